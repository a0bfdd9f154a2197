"""Wire shapes of the REST API. The OpenAPI document is generated from these classes."""

from __future__ import annotations

from datetime import datetime
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hub.model import Criticality, OrgKind, Role, control_character


def _printable(value: str) -> str:
    """Names and short fields: no control character at all (NUL, tab, line breaks, bidi
    overrides), so what a dashboard or an export shows is what was sent."""
    bad = control_character(value) or next(
        (f"U+{ord(c):04X}" for c in value if c in "\t\n\r\x0b\x0c"), None
    )
    if bad is not None:
        raise ValueError(f"holds the control character {bad}")
    return value


def _text(value: str) -> str:
    """Free text may break lines, but holds no other control character."""
    bad = control_character(value)
    if bad is not None:
        raise ValueError(f"holds the control character {bad}")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Id = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
Text = Annotated[str, Field(max_length=2000), AfterValidator(_text)]
Short = Annotated[str, Field(max_length=255), AfterValidator(_printable)]


class _In(BaseModel):
    """Inputs refuse unknown fields, so a typo is an error instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Violation(_Out):
    location: str = Field(description="JSON pointer, or 'line N' in XML and tag-value")
    message: str


class Error(_Out):
    error: str = Field(description="machine-readable error code")
    detail: str = Field(description="what was wrong, for people")
    hint: str | None = Field(default=None, description="what to do next")
    violations: list[Violation] | None = Field(
        default=None, description="schema violations of a refused document, first ones first"
    )
    request_id: str


class Health(_Out):
    status: str
    version: str
    store: str
    schema_version: int


class Me(_Out):
    actor: str
    role: Role
    org_id: str | None


# Listing queries -------------------------------------------------------------
class PageQuery(_In):
    after: Id | None = Field(default=None, description="exclusive cursor: the `next` of a page")
    limit: int = Field(default=100, ge=1, le=1000)


class OrganizationQuery(PageQuery):
    kind: OrgKind | None = None


class SystemQuery(PageQuery):
    org_id: Id | None = None


class AssetQuery(PageQuery):
    org_id: Id | None = None
    system_id: Id | None = None
    stale: bool | None = Field(
        default=None, description="true: only assets not seen for stale_after_days or more"
    )


class AuditQuery(_In):
    after: int = Field(default=0, ge=0, le=2**63 - 1, description="exclusive: the `next` of a page")
    limit: int = Field(default=100, ge=1, le=1000)


# Organizations -----------------------------------------------------------------
class OrganizationIn(_In):
    name: Name
    kind: OrgKind


class OrganizationOut(_Out):
    id: str
    name: str
    kind: OrgKind
    created_at: datetime


class OrganizationPage(_Out):
    items: list[OrganizationOut]
    next: str | None


# Systems -----------------------------------------------------------------------
class SystemIn(_In):
    org_id: Id
    name: Name
    criticality: Criticality = Criticality.MODERATE
    internet_facing: bool = False
    description: Text = ""


class SystemPatch(_In):
    criticality: Criticality | None = None
    internet_facing: bool | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SystemPatch:
        if not self.model_fields_set:
            raise ValueError("name at least one of criticality, internet_facing, description")
        return self


class SystemOut(_Out):
    id: str
    org_id: str
    name: str
    criticality: Criticality
    internet_facing: bool
    description: str
    created_at: datetime


class SystemPage(_Out):
    items: list[SystemOut]
    next: str | None


# Assets ------------------------------------------------------------------------
class PackageIn(_In):
    purl: Annotated[str, Field(min_length=5, max_length=1000, examples=["pkg:pypi/django@4.2.7"])]


class PackageOut(_Out):
    purl: str
    name: str
    version: str
    ecosystem: str


class PackagePage(_Out):
    items: list[PackageOut]


class AssetIn(_In):
    system_id: Id
    identifier: Name = Field(description="stable key: serial number, cloud instance id or FQDN")
    hostname: Short = ""
    os_name: Short = ""
    os_version: Short = ""
    addresses: Annotated[list[IPv4Address | IPv6Address], Field(max_length=64)] = []
    packages: Annotated[list[PackageIn], Field(max_length=100_000)] = []


class AssetPatch(_In):
    hostname: Short | None = None
    os_name: Short | None = None
    os_version: Short | None = None
    addresses: Annotated[list[IPv4Address | IPv6Address], Field(max_length=64)] | None = None
    packages: Annotated[list[PackageIn], Field(max_length=100_000)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> AssetPatch:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self


class AssetOut(_Out):
    id: str
    org_id: str
    system_id: str
    identifier: str
    hostname: str
    os_name: str
    os_version: str
    addresses: list[str]
    last_seen: datetime | None
    created_at: datetime
    stale: bool = Field(default=False, description="not seen for stale_after_days or more")


class AssetPage(_Out):
    items: list[AssetOut]
    next: str | None


# Tokens ------------------------------------------------------------------------
class TokenIn(_In):
    org_id: Id
    role: Role
    name: Annotated[str, Field(max_length=200)] = ""


class TokenOut(_Out):
    id: str
    org_id: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="the secret; shown once, store it now")


class TokenList(_Out):
    items: list[TokenOut]


# Audit -------------------------------------------------------------------------
class AuditEntryOut(_Out):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    request_id: str
    detail: dict[str, object]
    prev_hash: str
    hash: str


class AuditPage(_Out):
    items: list[AuditEntryOut]
    next: int | None


class AuditVerifyOut(_Out):
    ok: bool
    checked: int
    head: str
    broken_seq: int | None
    reason: str | None
