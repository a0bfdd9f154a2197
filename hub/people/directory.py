"""Who a signed-in person is to the hub, decided at every sign-in.

The identity provider owns the person (subject, name, groups, whether the account still
exists); the hub owns the mapping from its groups to an organization and a role, set by an
administrator (`crsa idp map`). At each sign-in the person's groups are mapped afresh, so
someone moved out of a group loses what it gave at their next sign-in, and someone whose
groups map to nothing is refused with the reason. An administrator can also shut a
person out here (`crsa person disable`), whatever the provider says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from hub.core.auth import Action, Principal
from hub.core.errors import AuthError, InvalidSubmission, NotFound
from hub.core.model import AuditDraft, IdpMapping, Person, Role, utcnow
from hub.core.registry import require_role_fits
from hub.core.store import Store
from hub.core.store.interface import IDP_MAPPINGS, PERSONS

# When several groups of one person map to different roles, the one granting most wins;
# two organizations for that one role are refused as ambiguous.
_PRECEDENCE = (Role.ADMIN, Role.SOC_ANALYST, Role.AUDITOR, Role.AGENCY_SUBMITTER, Role.PARTNER)
SIGN_IN = "person.sign_in"


class NotMapped(AuthError):
    """The provider vouched for the person, but the hub gives them no organization and
    role (or an administrator shut them out): the sign-in page says why and whom to ask."""


@dataclass(frozen=True)
class SignIn:
    """What the provider said about a person, from a validated ID token."""

    issuer: str
    subject: str
    display_name: str
    email: str
    groups: tuple[str, ...]

    @classmethod
    def from_claims(cls, issuer: str, claims: Mapping[str, object], groups_claim: str) -> SignIn:
        raw = claims.get(groups_claim) or ()
        values = (
            (raw,)
            if isinstance(raw, str)
            else tuple(str(g) for g in raw)
            if isinstance(raw, list | tuple)
            else ()
        )
        subject = str(claims.get("sub") or "")
        if not subject:
            raise AuthError("the identity provider's ID token names no subject (sub)")
        name = claims.get("name") or claims.get("preferred_username") or claims.get("email")
        return cls(
            issuer=issuer,
            subject=subject,
            display_name=str(name or subject),
            email=str(claims.get("email") or ""),
            # "/agency-a" (a full group path) and "agency-a" are one group.
            groups=tuple(sorted({v.lstrip("/") for v in values if v})),
        )


class People:
    """Mappings and people, read and written with their audit entries."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    def _audit(
        self, actor: str, action: str, target: str, request_id: str, **detail: object
    ) -> AuditDraft:
        return AuditDraft(actor, action, target, request_id, dict(detail), self.clock())

    # Mappings ------------------------------------------------------------------
    def map_group(
        self, who: Principal, claim_value: str, org_id: str, role: Role, request_id: str
    ) -> IdpMapping:
        who.require(Action.MANAGE_PEOPLE)
        value = claim_value.strip().lstrip("/")
        if not value:
            raise InvalidSubmission("the group to map is empty")
        org = self.store.get_organization(org_id)
        if org is None:
            raise NotFound(f"no organization {org_id}", hint="crsa orgs list shows them")
        role = Role(role)
        require_role_fits(org, role)
        mapping = IdpMapping(IdpMapping.key_id(value), value, org.id, role, self.clock())
        known = self.store.fetch(IDP_MAPPINGS, mapping.id)
        if known is not None and known.active and (known.org_id, known.role) == (org.id, role):
            return known  # the same mapping twice changes nothing
        with self.store.transaction() as tx:
            tx.put_idp_mapping(mapping)
            tx.append_audit(
                self._audit(who.actor, "idp.map", value, request_id, org_id=org.id, role=role.value)
            )
        return mapping

    def unmap_group(self, who: Principal, claim_value: str, request_id: str) -> IdpMapping:
        who.require(Action.MANAGE_PEOPLE)
        value = claim_value.strip().lstrip("/")
        known = self.store.fetch(IDP_MAPPINGS, IdpMapping.key_id(value))
        if known is None or not known.active:
            raise NotFound(
                f"group {value!r} is not mapped", hint="crsa idp list shows the mappings"
            )
        removed = replace(known, removed_at=self.clock())
        with self.store.transaction() as tx:
            tx.put_idp_mapping(removed)
            tx.append_audit(self._audit(who.actor, "idp.unmap", value, request_id))
        return removed

    def mappings(self) -> list[IdpMapping]:
        active = (m for m in self.store.iter_all(IDP_MAPPINGS) if m.active)
        return sorted(active, key=lambda m: m.claim_value)

    def _place(self, groups: tuple[str, ...]) -> tuple[str, Role]:
        fetched = (self.store.fetch(IDP_MAPPINGS, IdpMapping.key_id(g)) for g in groups)
        found = [m for m in fetched if m is not None and m.active]
        if not found:
            shown = ", ".join(groups) or "none"
            raise NotMapped(
                f"your account's groups ({shown}) give you no access to this hub",
                hint="ask the hub's administrator to map one of your groups"
                " (crsa idp map GROUP --org ORG --role ROLE)",
            )
        best = min(_PRECEDENCE.index(m.role) for m in found)
        top = {(m.org_id, m.role) for m in found if _PRECEDENCE.index(m.role) == best}
        if len(top) > 1:
            orgs = ", ".join(sorted(o for o, _ in top))
            raise NotMapped(
                f"your groups make you {_PRECEDENCE[best].value} in several organizations"
                f" ({orgs}); the hub cannot choose",
                hint="ask the hub's administrator to map only one of these groups",
            )
        return top.pop()

    # People --------------------------------------------------------------------
    def sign_in(self, seen: SignIn, request_id: str) -> Person:
        """The person behind a validated ID token, provisioned on first sign-in and brought
        up to date at each later one; refused if their groups map to nothing or an
        administrator disabled them."""
        person_id = Person.key_id(seen.issuer, seen.subject)
        known = self.store.fetch(PERSONS, person_id)
        if known is not None and not known.active:
            raise NotMapped(
                "your account was disabled in this hub",
                hint="ask the hub's administrator (crsa person enable) if that is a mistake",
            )
        org_id, role = self._place(seen.groups)
        now = self.clock()
        person = Person(
            id=person_id,
            issuer=seen.issuer,
            subject=seen.subject,
            display_name=seen.display_name,
            email=seen.email,
            org_id=org_id,
            role=role,
            groups=seen.groups,
            created_at=known.created_at if known else now,
            last_sign_in=now,
        )
        moved = known is None or (known.org_id, known.role) != (org_id, role)
        with self.store.transaction() as tx:
            tx.put_person(person)
            tx.append_audit(
                self._audit(
                    Principal.from_person(person).actor,
                    SIGN_IN,
                    person.id,
                    request_id,
                    first=known is None,
                    org_id=org_id,
                    role=role.value,
                    groups=list(seen.groups),
                    **({"was": f"{known.role.value}@{known.org_id}"} if known and moved else {}),
                )
            )
        return person

    def list(self, who: Principal) -> list[Person]:
        who.require(Action.MANAGE_PEOPLE)
        return sorted(self.store.iter_all(PERSONS), key=lambda p: (p.org_id, p.display_name))

    def get(self, person_id: str) -> Person | None:
        return self.store.fetch(PERSONS, person_id)

    def set_disabled(
        self, who: Principal, person_id: str, disabled: bool, request_id: str
    ) -> Person:
        who.require(Action.MANAGE_PEOPLE)
        known = self.store.fetch(PERSONS, person_id)
        if known is None:
            raise NotFound(f"no person {person_id}", hint="crsa person list shows them")
        if (not known.active) == disabled:
            return known
        changed = replace(known, disabled_at=self.clock() if disabled else None)
        with self.store.transaction() as tx:
            tx.put_person(changed)
            tx.append_audit(
                self._audit(
                    who.actor,
                    "person.disable" if disabled else "person.enable",
                    known.id,
                    request_id,
                )
            )
        return changed
