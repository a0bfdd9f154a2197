"""Who may do what: token issue and lookup, roles, and agency scope.

Permissions are one table from action to roles so a reviewer can read the
whole policy at once; agency scope is a second, separate check, because a role
that may write systems may still write only its own agency's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from hub.core.errors import AuthError, Forbidden, StoreError
from hub.core.model import ApiToken, Person, Role, utcnow
from hub.core.store import Store
from hub.core.store.interface import In, Kind, Query, token_by_hash

TOKEN_PREFIX = "crsa_"  # noqa: S105 - a prefix that makes leaked tokens greppable
USE_NOTED = timedelta(hours=1)  # how finely a token's last use is kept


class Action(StrEnum):
    READ = "read"
    WRITE_ORGANIZATIONS = "write_organizations"
    WRITE_INVENTORY = "write_inventory"
    MANAGE_TOKENS = "manage_tokens"
    READ_AUDIT = "read_audit"
    MANAGE_PRODUCTS = "manage_products"  # VEX on a supplier product holds for every agency
    USE_REST_API = "use_rest_api"
    MANAGE_TRIAGE = "manage_triage"  # status and owner of a hub-wide remediation action
    ACCEPT_RISK = "accept_risk"  # for one's own agency (scoped) or every agency
    COMMENT = "comment"
    EXPORT = "export"  # signed auditor exports: read everything, change nothing
    MANAGE_FEEDS = "manage_feeds"  # the hub's intelligence feeds: add, list, switch off
    MANAGE_PEOPLE = "manage_people"  # who signs in through the identity provider, as what
    # Indicators and sightings through the REST API, as TAXII reads them (its own rule).
    READ_THREATS = "read_threats"
    REPORT_INCIDENTS = "report_incidents"  # report, triage and close (an agency: its own)


PERMISSIONS: dict[Action, frozenset[Role]] = {
    # Partners use it for threats alone: every other endpoint needs what they lack.
    Action.USE_REST_API: frozenset(
        {Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER, Role.AUDITOR, Role.PARTNER}
    ),
    Action.READ: frozenset({Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER, Role.AUDITOR}),
    Action.WRITE_ORGANIZATIONS: frozenset({Role.ADMIN}),
    Action.WRITE_INVENTORY: frozenset({Role.ADMIN, Role.AGENCY_SUBMITTER}),
    Action.MANAGE_TOKENS: frozenset({Role.ADMIN}),
    Action.READ_AUDIT: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.MANAGE_PRODUCTS: frozenset({Role.ADMIN}),
    Action.MANAGE_TRIAGE: frozenset({Role.ADMIN, Role.SOC_ANALYST}),
    Action.ACCEPT_RISK: frozenset({Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER}),
    Action.COMMENT: frozenset({Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER}),
    Action.EXPORT: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.MANAGE_FEEDS: frozenset({Role.ADMIN}),
    Action.MANAGE_PEOPLE: frozenset({Role.ADMIN}),
    Action.READ_THREATS: frozenset(Role),
    Action.REPORT_INCIDENTS: frozenset({Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER}),
}

# Roles confined to their own organization's data.
SCOPED_ROLES = frozenset({Role.AGENCY_SUBMITTER, Role.PARTNER})


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is enough to make a leaked table useless."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The caller of one request or CLI command."""

    actor: str
    role: Role
    org_id: str | None
    token_id: str | None = None
    person_id: str | None = None
    display_name: str | None = None  # a person's name, as the pages greet them

    @classmethod
    def from_token(cls, token: ApiToken) -> Principal:
        return cls(
            actor=f"token:{token.id}", role=token.role, org_id=token.org_id, token_id=token.id
        )

    @classmethod
    def from_person(cls, person: Person) -> Principal:
        """A person signed in through the identity provider. The actor names them as the
        audit log records it, hashed into the chain: the provider's subject (stable for
        as long as the account lives), the display name, role and organization at the
        time, so the entry still says who acted after a rename or a move."""
        role = f"{person.role.value}@{person.org_id}"  # a person always belongs to one
        actor = f"person:{person.subject} ({person.display_name}; {role})"
        return cls(
            actor=actor,
            role=person.role,
            org_id=person.org_id,
            person_id=person.id,
            display_name=person.display_name,
        )

    @classmethod
    def operator(cls, who: str) -> Principal:
        """Someone with shell access to the hub's data directory: full rights."""
        return cls(actor=f"cli:{who}", role=Role.ADMIN, org_id=None)

    @property
    def scoped(self) -> bool:
        return self.role in SCOPED_ROLES

    def may(self, action: Action) -> bool:
        return self.role in PERMISSIONS[action]

    def require(self, action: Action) -> None:
        if not self.may(action):
            raise Forbidden(f"role {self.role.value} may not {action.value.replace('_', ' ')}")

    def sees_org(self, org_id: str) -> bool:
        return not self.scoped or self.org_id == org_id

    def org_filter(self, requested: str | None) -> str | None:
        """The organization a list may cover: a scoped caller's own, whatever it asked for."""
        if not self.scoped:
            return requested
        if requested is not None:
            self.require_org(requested)
        return self.org_id

    def scope(self, query: Query, field: str = "org_id") -> Query:
        """`query` narrowed to what this principal may see, as a store condition: a scoped
        role reads its own organization's rows and never receives another's, so no caller
        reads everything and filters afterwards (a scoped role with no organization sees
        nothing at all)."""
        if not self.scoped:
            return query
        return replace(query, where=(*query.where, In(field, (self.org_id or "",))))

    def require_org(self, org_id: str) -> None:
        """For explicit writes into an organization: refuse, naming it, if out of scope."""
        if not self.sees_org(org_id):
            raise Forbidden(f"role {self.role.value} may act only for its own organization")


@dataclass(frozen=True)
class Login:
    """Authentication split into its read and its verdict, so the read can travel in one
    round trip with the reads it guards (`Store.select_many`, the TAXII listings)."""

    digest: str

    @classmethod
    def of(cls, presented: str | None) -> Login:
        if not presented:
            raise AuthError("missing bearer token", hint="send 'Authorization: Bearer <token>'")
        return cls(hash_token(presented))

    @property
    def read(self) -> tuple[Kind[ApiToken], Query]:
        return token_by_hash(self.digest)

    def against(self, store: Store) -> Principal:
        """The verdict on the token as the store holds it now, read on its own."""
        return self.admit(store, store.select(*self.read))

    def admit(self, store: Store, found: Sequence[ApiToken]) -> Principal:
        """The principal if `found` (the answer to `read`) holds a live token, its use
        noted."""
        token = self.verdict(found)
        note_use(store, token)
        return Principal.from_token(token)

    def verdict(self, found: Sequence[ApiToken]) -> ApiToken:
        """The token if `found` holds a live one; never says which part was wrong, except
        that a token its holder presented rightly has expired (what to do differs)."""
        token = found[0] if found else None
        if (
            token is None
            or not hmac.compare_digest(token.token_hash, self.digest)
            or not token.active
        ):
            raise AuthError("invalid or revoked token")
        if token.expired(utcnow()):
            assert token.expires_at is not None
            raise AuthError(
                f"token {token.id} expired on {token.expires_at.date().isoformat()}",
                hint=f"ask the hub's administrator for its successor: crsa token rotate {token.id}",
            )
        return token


def note_use(store: Store, token: ApiToken) -> None:
    """Record when a token was last used, to the hour: enough to find tokens nobody uses
    any more, at one write per token and hour rather than one per request. Bookkeeping,
    not a decision: it writes no audit entry, and a failure to note it fails no request."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < USE_NOTED:
        return
    with contextlib.suppress(StoreError), store.transaction() as tx:
        tx.put_token(replace(token, last_used_at=now))


def authenticate(store: Store, presented: str | None) -> Principal:
    """The principal behind a bearer token, or AuthError."""
    return Login.of(presented).against(store)
