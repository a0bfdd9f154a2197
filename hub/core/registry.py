"""Idempotent, audited writes of the domain, shared by the API, the CLI and the demo.

This is the one place that decides what "the same submission twice" means:
identical content is a no-op (no write, no audit entry); the same natural key
with different content is a conflict the caller must resolve with an update.
Every write that changes something lands in the same transaction as its audit
entry, so a failure leaves neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from hub.core.auth import Action, Principal, hash_token, new_token
from hub.core.errors import Conflict, InvalidSubmission, NotFound
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    Criticality,
    Organization,
    OrgKind,
    Package,
    Role,
    System,
    utcnow,
)
from hub.core.settings import Settings
from hub.core.store import Store

T = TypeVar("T")

_ROLE_KINDS: dict[Role, frozenset[OrgKind]] = {
    Role.ADMIN: frozenset({OrgKind.OPERATOR}),
    Role.SOC_ANALYST: frozenset({OrgKind.OPERATOR}),
    Role.AUDITOR: frozenset({OrgKind.OPERATOR}),
    Role.AGENCY_SUBMITTER: frozenset({OrgKind.AGENCY}),
    Role.PARTNER: frozenset({OrgKind.PARTNER}),
}


def _a(word: str) -> str:
    """The word with its article, as a sentence names a kind ("an agency", "a partner")."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The record after a write, and whether the write changed anything."""

    value: T
    changed: bool


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _same(a: Any, b: Any, ignore: Sequence[str] = ("created_at",)) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in a.__dataclass_fields__ if f not in ignore)


def _replay(
    existing: T | None, candidate: T, conflict: Callable[[T], Conflict]
) -> Outcome[T] | None:
    """For a create: the existing record when this is a replay, a Conflict when it differs.

    The natural-key field (which may differ in case and spacing) and created_at are not
    compared; everything else is.
    """
    if existing is None:
        return None
    if _same(existing, candidate, ignore=("created_at", "name", "identifier")):
        return Outcome(existing, changed=False)
    raise conflict(existing)


@dataclass(frozen=True)
class TokenLifetime:
    """How long a token holds: `days`, else the hub's default, never over its maximum
    (settings `token_days` and `token_max_days`)."""

    days: int | None = None
    default_days: int = 90
    max_days: int = 365

    @classmethod
    def of(cls, settings: Settings, days: int | None = None) -> TokenLifetime:
        return cls(days, settings.token_days, settings.token_max_days)

    def span(self) -> timedelta:
        days = self.default_days if self.days is None else self.days
        if not 1 <= days <= self.max_days:
            raise InvalidSubmission(
                f"a token may hold for 1 to {self.max_days} days, not {days}",
                hint="the maximum is the token_max_days setting",
            )
        return timedelta(days=days)


def _with_secret(token: ApiToken) -> IssuedToken:
    secret = new_token()
    return IssuedToken(replace(token, token_hash=hash_token(secret)), secret)


def _day(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds")


def require_role_fits(org: Organization, role: Role) -> None:
    """A role is held within an organization of a kind it belongs to (an agency's
    submitter in an agency, a partner in a partner): for tokens and for people alike."""
    if org.kind not in _ROLE_KINDS[role]:
        allowed = ", ".join(sorted(k.value for k in _ROLE_KINDS[role]))
        raise InvalidSubmission(
            f"role {role.value} belongs to an organization of kind {allowed};"
            f" {org.name!r} is {_a(org.kind.value)}"
        )


class Registry:
    """Domain writes on top of any `Store`."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        """`clock` is injectable so the demo and tests can build the same data twice."""
        self.store = store
        self.clock = clock

    def _audit(
        self, who: Principal, action: str, target: str, request_id: str, **detail: object
    ) -> AuditDraft:
        return AuditDraft(
            actor=who.actor,
            action=action,
            target=target,
            request_id=request_id,
            detail=detail,
            at=self.clock(),
        )

    # Reads that enforce scope --------------------------------------------------
    def organization(self, who: Principal, org_id: str) -> Organization:
        org = self.store.get_organization(org_id)
        if org is None or not who.sees_org(org.id):
            raise NotFound(f"no organization {org_id}")
        return org

    def system(self, who: Principal, system_id: str) -> System:
        system = self.store.get_system(system_id)
        if system is None or not who.sees_org(system.org_id):
            raise NotFound(f"no system {system_id}")
        return system

    def asset(self, who: Principal, asset_id: str) -> Asset:
        asset = self.store.get_asset(asset_id)
        if asset is None or not who.sees_org(asset.org_id):
            raise NotFound(f"no asset {asset_id}")
        return asset

    # Organizations -------------------------------------------------------------
    def add_organization(
        self, who: Principal, name: str, kind: OrgKind, request_id: str
    ) -> Outcome[Organization]:
        who.require(Action.WRITE_ORGANIZATIONS)
        candidate = Organization.new(name, OrgKind(kind), self.clock())
        with self.store.transaction() as tx:
            replay = _replay(
                self.store.get_organization(candidate.id),
                candidate,
                lambda old: Conflict(
                    f"organization {old.name!r} already exists (kind {old.kind.value})",
                    hint=f"its id is {old.id}",
                ),
            )
            if replay is not None:
                return replay
            tx.put_organization(candidate)
            tx.append_audit(
                self._audit(
                    who,
                    "organization.create",
                    candidate.id,
                    request_id,
                    name=candidate.name,
                    kind=candidate.kind.value,
                )
            )
        return Outcome(candidate, changed=True)

    # Systems -------------------------------------------------------------------
    def add_system(
        self,
        who: Principal,
        org_id: str,
        name: str,
        criticality: Criticality,
        internet_facing: bool,
        description: str,
        request_id: str,
    ) -> Outcome[System]:
        who.require(Action.WRITE_INVENTORY)
        who.require_org(org_id)
        org = self.organization(who, org_id)
        if org.kind is not OrgKind.AGENCY:
            raise InvalidSubmission(
                f"systems belong to agencies; {org.name!r} is {_a(org.kind.value)}"
            )
        candidate = System(
            id=System.key_id(org.id, name),
            org_id=org.id,
            name=name,
            criticality=Criticality(criticality),
            internet_facing=internet_facing,
            description=description,
            created_at=self.clock(),
        )
        with self.store.transaction() as tx:
            replay = _replay(
                self.store.get_system(candidate.id),
                candidate,
                lambda old: Conflict(
                    f"system {old.name!r} already exists with other settings",
                    hint=f"update it with PATCH /api/v1/systems/{old.id}",
                ),
            )
            if replay is not None:
                return replay
            tx.put_system(candidate)
            tx.mark_changed([(candidate.org_id, candidate.id)], "system")
            tx.append_audit(
                self._audit(
                    who,
                    "system.create",
                    candidate.id,
                    request_id,
                    org_id=org.id,
                    name=candidate.name,
                    criticality=candidate.criticality.value,
                    internet_facing=candidate.internet_facing,
                )
            )
        return Outcome(candidate, changed=True)

    def update_system(
        self, who: Principal, system_id: str, changes: dict[str, Any], request_id: str
    ) -> Outcome[System]:
        who.require(Action.WRITE_INVENTORY)
        current = self.system(who, system_id)
        if "criticality" in changes:
            changes["criticality"] = Criticality(changes["criticality"])
        updated = replace(current, **changes)
        if _same(current, updated):
            return Outcome(current, changed=False)
        with self.store.transaction() as tx:
            tx.put_system(updated)
            tx.mark_changed([(updated.org_id, updated.id)], "system")
            tx.append_audit(
                self._audit(
                    who,
                    "system.update",
                    current.id,
                    request_id,
                    **{k: getattr(updated, k) for k in sorted(changes)},
                )
            )
        return Outcome(updated, changed=True)

    # Assets --------------------------------------------------------------------
    def add_asset(
        self,
        who: Principal,
        system_id: str,
        identifier: str,
        *,
        hostname: str = "",
        os_name: str = "",
        os_version: str = "",
        addresses: Sequence[str] = (),
        packages: Sequence[Package] = (),
        request_id: str,
    ) -> Outcome[Asset]:
        who.require(Action.WRITE_INVENTORY)
        system = self.system(who, system_id)
        candidate = Asset(
            id=Asset.key_id(system.id, identifier),
            org_id=system.org_id,
            system_id=system.id,
            identifier=identifier,
            hostname=hostname,
            os_name=os_name,
            os_version=os_version,
            addresses=tuple(addresses),
            last_seen=None,
            created_at=self.clock(),
        )
        wanted = sorted(set(packages), key=lambda p: p.purl)
        if len({p.purl for p in wanted}) != len(wanted):
            raise InvalidSubmission("the same purl is listed twice with different details")
        with self.store.transaction() as tx:
            existing = self.store.get_asset(candidate.id)

            def conflict(old: Asset) -> Conflict:
                return Conflict(
                    f"asset {old.identifier!r} already exists with other details",
                    hint=f"update it with PATCH /api/v1/assets/{old.id}",
                )

            if existing is not None and self.store.list_asset_packages(existing.id) != wanted:
                raise conflict(existing)
            replay = _replay(existing, candidate, conflict)
            if replay is not None:
                return replay
            tx.put_asset(candidate)
            tx.mark_changed([(candidate.org_id, candidate.system_id)], "asset")
            tx.put_asset_packages(candidate.id, wanted)
            tx.append_audit(
                self._audit(
                    who,
                    "asset.create",
                    candidate.id,
                    request_id,
                    system_id=system.id,
                    identifier=candidate.identifier,
                    packages=len(wanted),
                )
            )
        return Outcome(candidate, changed=True)

    def update_asset(
        self,
        who: Principal,
        asset_id: str,
        changes: dict[str, Any],
        packages: Sequence[Package] | None,
        request_id: str,
    ) -> Outcome[Asset]:
        who.require(Action.WRITE_INVENTORY)
        current = self.asset(who, asset_id)
        if "addresses" in changes:
            changes["addresses"] = tuple(changes["addresses"])
        updated = replace(current, **changes)
        wanted = None if packages is None else sorted(set(packages), key=lambda p: p.purl)
        pkgs_change = wanted is not None and self.store.list_asset_packages(asset_id) != wanted
        if _same(current, updated) and not pkgs_change:
            return Outcome(current, changed=False)
        with self.store.transaction() as tx:
            tx.put_asset(updated)
            tx.mark_changed({(a.org_id, a.system_id) for a in (current, updated)}, "asset")
            if wanted is not None and pkgs_change:
                tx.put_asset_packages(asset_id, wanted)
            detail: dict[str, object] = {k: str(getattr(updated, k)) for k in sorted(changes)}
            if wanted is not None and pkgs_change:
                detail["packages"] = len(wanted)
            tx.append_audit(self._audit(who, "asset.update", asset_id, request_id, **detail))
        return Outcome(updated, changed=True)

    # Tokens --------------------------------------------------------------------
    def issue_token(
        self,
        who: Principal,
        org_id: str,
        role: Role,
        name: str,
        request_id: str,
        lifetime: TokenLifetime | None = None,
    ) -> IssuedToken:
        """A new credential each call: tokens are secrets, so re-issuing is never a no-op.
        Tokens are for machines (collectors, partners' TAXII clients, scripts); people
        sign in through the identity provider. Each expires: `lifetime.days`, or the
        default, never past the maximum."""
        who.require(Action.MANAGE_TOKENS)
        org = self.organization(who, org_id)
        role = Role(role)
        require_role_fits(org, role)
        now = self.clock()
        token = ApiToken(
            id=str(uuid.uuid4()),
            org_id=org.id,
            role=role,
            name=name or role.value,
            token_hash="0" * 64,
            created_at=now,
            expires_at=now + (lifetime or TokenLifetime()).span(),
        )
        issued = _with_secret(token)
        with self.store.transaction() as tx:
            tx.put_token(issued.token)
            tx.append_audit(
                self._audit(
                    who,
                    "token.issue",
                    token.id,
                    request_id,
                    org_id=org.id,
                    role=role.value,
                    name=token.name,
                    expires_at=_day(token.expires_at),
                )
            )
        return issued

    def rotate_token(
        self, who: Principal, token_id: str, request_id: str, lifetime: TokenLifetime | None = None
    ) -> IssuedToken:
        """The token's successor (same organization, role and name, a new secret and
        expiry), and the token itself revoked, in one commit: the machine that held it
        switches to the new secret, and the old one stops working at once."""
        who.require(Action.MANAGE_TOKENS)
        old = self.store.get_token(token_id)
        if old is None:
            raise NotFound(f"no token {token_id}", hint="crsa token list shows them")
        if not old.active:
            raise Conflict(
                f"token {token_id} is revoked: it has no successor to make",
                hint="issue a new one: crsa token add",
            )
        now = self.clock()
        successor = replace(
            old,
            id=str(uuid.uuid4()),
            created_at=now,
            expires_at=now + (lifetime or TokenLifetime()).span(),
            last_used_at=None,
        )
        issued = _with_secret(successor)
        with self.store.transaction() as tx:
            tx.put_token(replace(old, revoked_at=now))
            tx.put_token(issued.token)
            tx.append_audit(
                self._audit(
                    who,
                    "token.rotate",
                    old.id,
                    request_id,
                    successor=successor.id,
                    expires_at=_day(successor.expires_at),
                )
            )
        return issued

    def revoke_token(self, who: Principal, token_id: str, request_id: str) -> Outcome[ApiToken]:
        who.require(Action.MANAGE_TOKENS)
        token = self.store.get_token(token_id)
        if token is None:
            raise NotFound(f"no token {token_id}")
        if not token.active:
            return Outcome(token, changed=False)
        revoked = replace(token, revoked_at=self.clock())
        with self.store.transaction() as tx:
            tx.put_token(revoked)
            tx.append_audit(self._audit(who, "token.revoke", token.id, request_id))
        return Outcome(revoked, changed=True)
