"""The domain: organizations, their systems and assets, software on assets, API tokens.

Values are frozen dataclasses that check their own invariants, so a store can
never hand back (or be handed) a half-valid object. Ids are derived from each
entity's natural key, which makes every create idempotent on every backend:
the same submission twice addresses the same record.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hub.core.errors import InvalidSubmission

_NAMESPACE = uuid.UUID("6f7e3c1e-6a0b-4f43-9d7b-0c5a1c2a7e11")


class OrgKind(StrEnum):
    AGENCY = "agency"
    PARTNER = "partner"
    OPERATOR = "operator"


class Criticality(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Role(StrEnum):
    ADMIN = "admin"
    SOC_ANALYST = "soc_analyst"
    AGENCY_SUBMITTER = "agency_submitter"
    PARTNER = "partner"
    AUDITOR = "auditor"


def derive_id(kind: str, *key: str) -> str:
    """A stable id from an entity's natural key (UUIDv5)."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join((kind, *key))))


@functools.lru_cache(maxsize=4096)
def _subject_head(subject: str) -> str:
    """The 48 bits a finding id starts with: one host's hundreds of findings hash it once."""
    return hashlib.sha256(f"finding-subject\x1f{subject}".encode()).hexdigest()[:12]


def _key_id(head: str, prefix: Any, purl: str, vuln_id: str) -> str:
    """A finding id from its subject's head and the hash of its subject so far (`prefix`,
    a sha256 that has read "finding\x1f<subject>\x1f", copied here, never changed)."""
    digest = prefix.copy()
    digest.update(f"{purl}\x1f{vuln_id}".encode())
    tail = digest.hexdigest()
    # 8-4-4-4-12 hex digits; version 8 in the 13th, the RFC 4122 variant in the 17th.
    variant = "89ab"[int(tail[4], 16) & 3]
    return f"{head[:8]}-{head[8:]}-8{tail[1:4]}-{variant}{tail[5:8]}-{tail[8:20]}"


def utcnow() -> datetime:
    """Now, cut to milliseconds: what Elasticsearch's `date` fields order and compare by,
    so a time read back compares as it was written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def utcnow_micro() -> datetime:
    """Now, to the microsecond: TAXII 2.1 (s3.2) timestamps (`date_added`, a status's
    `request_timestamp`), kept in nanosecond-precise fields, so that objects added within
    one millisecond still page apart by `added_after`."""
    return datetime.now(UTC)


# Characters no name may hold: C0 and C1 controls (NUL made a store refuse the write with
# a 503) and the bidirectional overrides that make a name read as another.
_CONTROLS = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)


_CONTROL = re.compile("[" + "".join(re.escape(c) for c in sorted(_CONTROLS)) + "]")


def control_character(value: str) -> str | None:
    """The first control character in `value` as U+XXXX, or None. A compiled character
    class: every name and field of every report passes here (a host's inventory, about
    300 of them)."""
    found = _CONTROL.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def clean_name(value: str, what: str, limit: int = 200) -> str:
    """White space folded; a control character refused (the API refuses tabs and line
    breaks too; names from documents, such as an SBOM's supplier, have theirs folded)."""
    bad = control_character(value)
    if bad is not None:
        raise InvalidSubmission(f"{what} holds the control character {bad}")
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidSubmission(f"{what} must not be empty")
    if len(cleaned) > limit:
        raise InvalidSubmission(f"{what} is longer than {limit} characters")
    return cleaned


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise InvalidSubmission(f"{what} must carry a time zone")


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    kind: OrgKind
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name, "organization name"))
        object.__setattr__(self, "kind", OrgKind(self.kind))
        _aware(self.created_at, "created_at")

    @staticmethod
    def key_id(name: str) -> str:
        return derive_id("organization", clean_name(name, "organization name").casefold())

    @classmethod
    def new(cls, name: str, kind: OrgKind, at: datetime) -> Organization:
        return cls(id=cls.key_id(name), name=name, kind=kind, created_at=at)


@dataclass(frozen=True)
class System:
    """An information system run by one agency; criticality and exposure weigh its risk."""

    id: str
    org_id: str
    name: str
    criticality: Criticality
    internet_facing: bool
    description: str
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name, "system name"))
        object.__setattr__(self, "criticality", Criticality(self.criticality))
        if len(self.description) > 2000:
            raise InvalidSubmission("system description is longer than 2000 characters")
        _aware(self.created_at, "created_at")

    @staticmethod
    def key_id(org_id: str, name: str) -> str:
        return derive_id("system", org_id, clean_name(name, "system name").casefold())


@dataclass(frozen=True)
class Package:
    """One piece of software found on an asset, identified by its purl."""

    purl: str
    name: str
    version: str
    ecosystem: str

    def __post_init__(self) -> None:
        if not self.purl.startswith("pkg:"):
            raise InvalidSubmission(f"package purl {self.purl!r} does not start with 'pkg:'")


@dataclass(frozen=True)
class Asset:
    """A host or device inside a system; `identifier` is its stable natural key."""

    id: str
    org_id: str
    system_id: str
    identifier: str
    hostname: str
    os_name: str
    os_version: str
    addresses: tuple[str, ...]
    last_seen: datetime | None
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", clean_name(self.identifier, "asset identifier"))
        object.__setattr__(self, "addresses", tuple(self.addresses))
        _aware(self.created_at, "created_at")
        if self.last_seen is not None:
            _aware(self.last_seen, "last_seen")
            # One zone for every stored time, so "not seen since" compares correctly.
            object.__setattr__(self, "last_seen", self.last_seen.astimezone(UTC))

    @staticmethod
    def key_id(system_id: str, identifier: str) -> str:
        return derive_id("asset", system_id, clean_name(identifier, "asset identifier").casefold())


@dataclass(frozen=True)
class ApiToken:
    """A bearer credential; only its SHA-256 is ever stored."""

    id: str
    org_id: str
    role: Role
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    # None for tokens issued before tokens expired: they hold until revoked or rotated.
    expires_at: datetime | None = None
    # When the token last authenticated a request, to the hour (`hub.core.auth.USE_NOTED`).
    last_used_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        if len(self.token_hash) != 64:
            raise InvalidSubmission("token_hash must be a SHA-256 hex digest")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class WebSession:
    """One dashboard sign-in. The cookie carries only this id; the store says whether the
    session still holds, so logging out ends it at once on every worker and host, even
    for someone who kept a copy of the cookie. A sign-in with an access token names the
    token; one through the identity provider names the person (`token_id` is then
    empty) and keeps the ID token, which RP-initiated logout hands back to the provider."""

    id: str
    token_id: str
    created_at: datetime
    ended_at: datetime | None = None
    person_id: str = ""
    id_token: str = ""
    # The session's last request, to the minute: what the idle timeout measures.
    last_seen_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class Person:
    """Someone who signs in through the organisation's identity provider. The provider
    owns who they are (subject, name, groups); the hub keeps what it derived from that at
    the last sign-in (organization and role, through `IdpMapping`) and whether an
    administrator has shut them out here, whatever the provider says."""

    id: str
    issuer: str
    subject: str
    display_name: str
    email: str
    org_id: str
    role: Role
    groups: tuple[str, ...]
    created_at: datetime
    last_sign_in: datetime
    disabled_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "groups", tuple(self.groups))

    @staticmethod
    def key_id(issuer: str, subject: str) -> str:
        """One person per (issuer, subject): the pair OIDC guarantees stable and unique."""
        return derive_id("person", issuer, subject)

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class IdpMapping:
    """An identity-provider group (or other claim value) and what it makes its members:
    a role, within an organization for the roles scoped to one."""

    id: str
    claim_value: str
    org_id: str
    role: Role
    created_at: datetime
    removed_at: datetime | None = None  # kept, as every record is: the audit names it

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))

    @staticmethod
    def key_id(claim_value: str) -> str:
        return derive_id("idp-mapping", claim_value)

    @property
    def active(self) -> bool:
        return self.removed_at is None


class Severity(StrEnum):
    UNKNOWN = "unknown"  # the advisory gives neither a CVSS vector nor a rating
    INFO = "info"  # an informational advisory (RustSec unmaintained/unsound): a notice
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class FindingStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"  # no longer present: the component was upgraded or removed
    SUPPRESSED = "suppressed"  # a VEX statement says not_affected or fixed; still listed


class VexState(StrEnum):
    """OpenVEX statuses; CycloneDX analysis states map onto them (hub.vex)."""

    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


@dataclass(frozen=True)
class Finding:
    """One vulnerability in one component of a system or of one asset.

    The id derives from (subject, purl, vulnerability), where the subject is the asset,
    or the system when an SBOM describes the system as a whole, so re-matching updates
    the same finding instead of adding a second one. `sbom_id` and `product_id` say
    where the component came from: the system's own SBOM, or a supplier product it runs.
    """

    id: str
    org_id: str
    system_id: str
    asset_id: str
    purl: str
    vuln_id: str
    severity: Severity
    cvss: float | None
    kev: bool
    epss: float | None
    status: FindingStatus
    first_seen: datetime
    last_seen: datetime
    fixed_at: datetime | None
    sbom_id: str = ""
    product_id: str = ""
    aliases: tuple[str, ...] = ()
    summary: str = ""
    kev_due: str | None = None  # the CISA KEV remediation date, ISO 8601
    vex: str = ""  # a VexState when a statement applies
    justification: str = ""
    fixed_in: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "status", FindingStatus(self.status))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "fixed_in", tuple(self.fixed_in))
        if self.vex:
            object.__setattr__(self, "vex", VexState(self.vex).value)
        if self.cvss is not None and not 0.0 <= self.cvss <= 10.0:
            raise InvalidSubmission(f"cvss {self.cvss} is outside 0 to 10")
        if self.epss is not None and not 0.0 <= self.epss <= 1.0:
            raise InvalidSubmission(f"epss {self.epss} is outside 0 to 1")
        if self.last_seen < self.first_seen:
            raise InvalidSubmission("last_seen is before first_seen")

    _PLACES = frozenset(
        {
            "id",
            "org_id",
            "system_id",
            "asset_id",
            "sbom_id",
            "product_id",
            "first_seen",
            "last_seen",
        }
    )

    @staticmethod
    def placed_all(findings: Sequence[Finding], subject: str, **where: Any) -> list[Finding]:
        """These findings at another place and time, each under its `key_id` for `subject`.
        A fleet's hosts share their components' findings but for where and when; copying
        checked findings and setting those costs a fraction of building and checking new
        ones (bench/ingest). Only `_PLACES` but the id may change: no check of __post_init__
        but the order of times concerns them. What may change, the times and the subject's
        part of the ids are checked and worked out once for the set, not once per finding."""
        unknown = set(where) - (Finding._PLACES - {"id"})
        if unknown:
            raise TypeError(f"placed_all() cannot change {', '.join(sorted(unknown))}")
        both = "first_seen" in where and "last_seen" in where
        if both and where["last_seen"] < where["first_seen"]:
            raise InvalidSubmission("last_seen is before first_seen")
        head = _subject_head(subject)
        prefix = hashlib.sha256(f"finding\x1f{subject}\x1f".encode())
        out = []
        for f in findings:
            copy = object.__new__(Finding)
            values = copy.__dict__
            values.update(f.__dict__)
            values.update(where)
            values["id"] = _key_id(head, prefix, f.purl, f.vuln_id)
            if not both and copy.last_seen < copy.first_seen:
                raise InvalidSubmission("last_seen is before first_seen")
            out.append(copy)
        return out

    @staticmethod
    def key_id(subject: str, purl: str, vuln_id: str) -> str:
        """Stable, and clustered by subject: the first 48 bits name the asset (or system),
        the rest the component and vulnerability. One host's findings then sit side by
        side in the primary key and in every index that ends in the id, so writing them
        touches a few pages instead of one page per finding (bench/rows: 2.7x the rows
        per second of ids spread at random). A UUIDv8 (RFC 9562), since its layout is ours.

        Findings written before issue 20 keep their UUIDv5 ids: reconciling matches a
        scope's findings by component and vulnerability, never by recomputing the id."""
        prefix = hashlib.sha256(f"finding\x1f{subject}\x1f".encode())
        return _key_id(_subject_head(subject), prefix, purl, vuln_id)

    @property
    def subject(self) -> str:
        """What the finding is about: the asset, else the whole system."""
        return self.asset_id or f"system:{self.system_id}"


@dataclass(frozen=True)
class FindingCount:
    """One cell of a findings summary: what dashboards and scores aggregate over."""

    org_id: str
    severity: Severity
    status: FindingStatus
    count: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "status", FindingStatus(self.status))


@dataclass(frozen=True)
class AuditDraft:
    """What a write wants recorded; the store's transaction chains it."""

    actor: str
    action: str
    target: str
    request_id: str
    detail: dict[str, object] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    request_id: str
    detail: dict[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class StoreCounts:
    organizations: int
    systems: int
    assets: int
    packages: int
    tokens: int
    audit_entries: int
    findings: int = 0
    sboms: int = 0
    products: int = 0
    intel: int = 0
