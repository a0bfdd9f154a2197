"""Who may do what: token issue and lookup, roles, and agency scope.

Permissions are one table from action to roles so a reviewer can read the
whole policy at once; agency scope is a second, separate check, because a role
that may write systems may still write only its own agency's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from hub.core.errors import AuthError, Forbidden
from hub.core.model import ApiToken, Role
from hub.core.store import Store
from hub.core.store.interface import In, Kind, Query, token_by_hash

TOKEN_PREFIX = "crsa_"  # noqa: S105 - a prefix that makes leaked tokens greppable


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


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.USE_REST_API: frozenset(
        {Role.ADMIN, Role.SOC_ANALYST, Role.AGENCY_SUBMITTER, Role.AUDITOR}
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

    @classmethod
    def from_token(cls, token: ApiToken) -> Principal:
        return cls(
            actor=f"token:{token.id}", role=token.role, org_id=token.org_id, token_id=token.id
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
        return self.principal(store.select(*self.read))

    def principal(self, found: Sequence[ApiToken]) -> Principal:
        """The principal if `found` (the answer to `read`) holds a live token; never says
        which part was wrong."""
        token = found[0] if found else None
        if (
            token is None
            or not hmac.compare_digest(token.token_hash, self.digest)
            or not token.active
        ):
            raise AuthError("invalid or revoked token")
        return Principal.from_token(token)


def authenticate(store: Store, presented: str | None) -> Principal:
    """The principal behind a bearer token, or AuthError."""
    return Login.of(presented).against(store)
