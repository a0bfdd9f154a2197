"""Wire shapes of the REST API. The OpenAPI document is generated from these classes."""

from __future__ import annotations

from datetime import datetime
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated

from pydantic import Field, model_validator

from hub.core.fields import ClientInput, Id, Name, Reply, Short, Text
from hub.core.model import Criticality, OrgKind, Role
from hub.core.records.intel import IntelSource


class Violation(Reply):
    location: str = Field(description="JSON pointer, or 'line N' in XML and tag-value")
    message: str


class Error(Reply):
    error: str = Field(description="machine-readable error code")
    detail: str = Field(description="what was wrong, for people")
    hint: str | None = Field(default=None, description="what to do next")
    violations: list[Violation] | None = Field(
        default=None, description="schema violations of a refused document, first ones first"
    )
    request_id: str


class Health(Reply):
    status: str
    version: str
    store: str
    schema_version: int


class Me(Reply):
    actor: str
    role: Role
    org_id: str | None


# Listing queries -------------------------------------------------------------
class PageQuery(ClientInput):
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


class AuditQuery(ClientInput):
    after: int = Field(default=0, ge=0, le=2**63 - 1, description="exclusive: the `next` of a page")
    limit: int = Field(default=100, ge=1, le=1000)


# Organizations -----------------------------------------------------------------
class OrganizationIn(ClientInput):
    name: Name
    kind: OrgKind


class OrganizationOut(Reply):
    id: str
    name: str
    kind: OrgKind
    created_at: datetime


class OrganizationPage(Reply):
    items: list[OrganizationOut]
    next: str | None


# Systems -----------------------------------------------------------------------
class SystemIn(ClientInput):
    org_id: Id
    name: Name
    criticality: Criticality = Criticality.MODERATE
    internet_facing: bool = False
    description: Text = ""


class SystemPatch(ClientInput):
    criticality: Criticality | None = None
    internet_facing: bool | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SystemPatch:
        if not self.model_fields_set:
            raise ValueError("name at least one of criticality, internet_facing, description")
        return self


class SystemOut(Reply):
    id: str
    org_id: str
    name: str
    criticality: Criticality
    internet_facing: bool
    description: str
    created_at: datetime


class SystemPage(Reply):
    items: list[SystemOut]
    next: str | None


# Assets ------------------------------------------------------------------------
class PackageIn(ClientInput):
    purl: Annotated[str, Field(min_length=5, max_length=1000, examples=["pkg:pypi/django@4.2.7"])]


class PackageOut(Reply):
    purl: str
    name: str
    version: str
    ecosystem: str


class PackagePage(Reply):
    items: list[PackageOut]


class AssetIn(ClientInput):
    system_id: Id
    identifier: Name = Field(description="stable key: serial number, cloud instance id or FQDN")
    hostname: Short = ""
    os_name: Short = ""
    os_version: Short = ""
    addresses: Annotated[list[IPv4Address | IPv6Address], Field(max_length=64)] = Field(
        default_factory=list
    )
    packages: Annotated[list[PackageIn], Field(max_length=100_000)] = Field(default_factory=list)


class AssetPatch(ClientInput):
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


class AssetOut(Reply):
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


class AssetPage(Reply):
    items: list[AssetOut]
    next: str | None


# Tokens ------------------------------------------------------------------------
class TokenLifetimeIn(ClientInput):
    expires_in_days: int | None = Field(
        default=None, ge=1, description="how long it holds; default: the token_days setting"
    )


class TokenIn(TokenLifetimeIn):
    org_id: Id
    role: Role
    name: Annotated[str, Field(max_length=200)] = ""


class TokenOut(Reply):
    id: str
    org_id: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="null: issued before tokens expired")
    last_used_at: datetime | None = Field(description="to the hour; null: never used")


class IssuedTokenOut(TokenOut):
    token: str = Field(description="the secret; shown once, store it now")


class TokenList(Reply):
    items: list[TokenOut]


# People signed in through the identity provider -----------------------------------
class PersonOut(Reply):
    id: str
    issuer: str
    subject: str = Field(description="the identity provider's stable id for the person")
    display_name: str
    email: str
    org_id: str
    role: Role
    groups: list[str] = Field(description="the provider's groups at the last sign-in")
    created_at: datetime
    last_sign_in: datetime
    disabled_at: datetime | None


class PersonList(Reply):
    items: list[PersonOut]


class PersonStateIn(ClientInput):
    disabled: bool = Field(description="true shuts the person out of the hub at once")


# Intelligence feeds --------------------------------------------------------------
class FeedIn(ClientInput):
    source: IntelSource
    location: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="a file, directory or zip on the hub's machine, or an http(s) URL"
    )


class FeedOut(Reply):
    id: str
    source: IntelSource
    location: str
    enabled: bool
    synced_at: datetime | None
    records: int
    last_error: str = Field(description="why the last sync failed; empty after a success")
    failed_at: datetime | None


class FeedList(Reply):
    items: list[FeedOut]


class FeedPatch(ClientInput):
    enabled: bool = Field(description="false stops syncing the feed; what it synced stays")


# Audit -------------------------------------------------------------------------
class AuditEntryOut(Reply):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    request_id: str
    detail: dict[str, object]
    prev_hash: str
    hash: str


class AuditPage(Reply):
    items: list[AuditEntryOut]
    next: int | None


class AuditVerifyOut(Reply):
    ok: bool
    checked: int
    head: str
    broken_seq: int | None
    reason: str | None
