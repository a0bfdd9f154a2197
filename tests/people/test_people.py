"""Who a person is to the hub, decided from their identity provider's groups at every
sign-in, on both stores."""

from __future__ import annotations

import pytest

from hub.core.auth import Principal
from hub.core.errors import Forbidden, InvalidSubmission, NotFound
from hub.core.model import Role
from hub.people import NotMapped, People, SignIn
from tests.conftest import World

ISSUER = "https://idp.example.go.jp/realms/crsa"
ROOT = Principal.operator("tests")


def seen(subject: str, *groups: str, name: str = "Taro Suzuki") -> SignIn:
    claims = {
        "sub": subject,
        "name": name,
        "email": f"{subject}@example.go.jp",
        "groups": list(groups),
    }
    return SignIn.from_claims(ISSUER, claims, "groups")


def test_a_person_is_provisioned_at_first_sign_in_and_acts_by_name(world: World) -> None:
    people = People(world.store)
    people.map_group(ROOT, "/agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    person = people.sign_in(seen("sub-1", "/agency-a", "staff"), "r1")
    assert (person.org_id, person.role, person.groups) == (
        world.agency_a,
        Role.AGENCY_SUBMITTER,
        ("agency-a", "staff"),
    )
    who = Principal.from_person(person)
    assert who.org_id == world.agency_a and who.sees_org(world.agency_a)
    assert not who.sees_org(world.agency_b)
    entry = world.store.audit_head()
    assert entry is not None and entry.action == "person.sign_in"
    assert "Taro Suzuki" in entry.actor and "sub-1" in entry.actor
    assert entry.detail["first"] is True
    # The same person again: one person, not two.
    again = people.sign_in(seen("sub-1", "agency-a"), "r2")
    assert again.id == person.id and again.created_at == person.created_at
    assert [p.id for p in people.list(ROOT)] == [person.id]


def test_groups_decide_at_each_sign_in(world: World) -> None:
    people = People(world.store)
    people.map_group(ROOT, "agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    people.map_group(ROOT, "soc", world.operator, Role.SOC_ANALYST, "t")
    assert people.sign_in(seen("sub-2", "agency-a"), "r").role == Role.AGENCY_SUBMITTER
    # Moved into the SOC's group at the provider: the next sign-in says so.
    moved = people.sign_in(seen("sub-2", "agency-a", "soc"), "r")
    assert (moved.role, moved.org_id) == (Role.SOC_ANALYST, world.operator)
    # The group unmapped here: the next sign-in is refused, naming the groups.
    people.unmap_group(ROOT, "soc", "t")
    people.unmap_group(ROOT, "agency-a", "t")
    with pytest.raises(NotMapped, match=r"groups \(agency-a, soc\) give you no access"):
        people.sign_in(seen("sub-2", "agency-a", "soc"), "r")


def test_a_person_with_no_mapping_or_two_agencies_is_refused_with_the_reason(world: World) -> None:
    people = People(world.store)
    with pytest.raises(NotMapped) as refused:
        people.sign_in(seen("sub-3", "visitors"), "r")
    assert "visitors" in refused.value.message
    assert refused.value.hint is not None and "crsa idp map" in refused.value.hint
    people.map_group(ROOT, "agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    people.map_group(ROOT, "agency-b", world.agency_b, Role.AGENCY_SUBMITTER, "t")
    with pytest.raises(NotMapped, match="several organizations"):
        people.sign_in(seen("sub-3", "agency-a", "agency-b"), "r")
    assert people.list(ROOT) == []


def test_a_disabled_person_is_refused_until_enabled(world: World) -> None:
    people = People(world.store)
    people.map_group(ROOT, "agency-b", world.agency_b, Role.AGENCY_SUBMITTER, "t")
    person = people.sign_in(seen("sub-4", "agency-b"), "r")
    people.set_disabled(ROOT, person.id, True, "t")
    with pytest.raises(NotMapped, match="disabled in this hub"):
        people.sign_in(seen("sub-4", "agency-b"), "r")
    people.set_disabled(ROOT, person.id, False, "t")
    assert people.sign_in(seen("sub-4", "agency-b"), "r").active


def test_mappings_are_checked_and_idempotent(world: World) -> None:
    people = People(world.store)
    with pytest.raises(InvalidSubmission, match="belongs to an organization of kind operator"):
        people.map_group(ROOT, "agency-a", world.agency_a, Role.SOC_ANALYST, "t")
    with pytest.raises(NotFound):
        people.map_group(ROOT, "x", "no-such-org", Role.SOC_ANALYST, "t")
    agency = Principal.from_token(
        next(t for t in world.store.list_tokens() if t.org_id == world.agency_a)
    )
    with pytest.raises(Forbidden):
        people.map_group(agency, "agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    people.map_group(ROOT, "agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    head = world.store.audit_head()
    people.map_group(ROOT, "/agency-a", world.agency_a, Role.AGENCY_SUBMITTER, "t")
    assert world.store.audit_head() == head  # the same mapping twice changes nothing
    assert [(m.claim_value, m.role) for m in people.mappings()] == [
        ("agency-a", Role.AGENCY_SUBMITTER)
    ]
