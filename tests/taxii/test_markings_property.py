"""Property: whatever the markings, audiences, rights and posters, every reader sees through
every endpoint, TAXII's and the REST API's threat listings alike, exactly the objects the
TLP rule and the collection rights allow."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.auth import Principal
from hub.core.model import OrgKind, Role
from hub.core.registry import Registry
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp, may_read
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, TAXII, basic, indicator

PARTNERS = ("p0", "p1", "p2")
LEVELS = [*list(Tlp), None]  # None: no marking, the collection's default applies


@pytest.fixture
def partner_ids(world: World) -> dict[str, str]:
    """Three partner organizations with a token each (added to world.tokens), made once
    for all the examples of a test."""
    reg = Registry(world.store)
    root = Principal.operator("tests")
    ids = {}
    for name in PARTNERS:
        org = reg.add_organization(root, f"Partner {name}", OrgKind.PARTNER, "t").value
        world.tokens[name] = reg.issue_token(root, org.id, Role.PARTNER, "", "t").secret
        ids[name] = org.id
    return ids


objects_strategy = st.lists(
    st.tuples(st.sampled_from(PARTNERS), st.sampled_from(LEVELS)), min_size=1, max_size=8
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    readers=st.sets(st.sampled_from(PARTNERS), min_size=1),
    default=st.sampled_from(list(Tlp)),
    posted=objects_strategy,
    data=st.data(),
)
def test_no_partner_ever_reads_what_it_may_not(
    client: FlaskClient,
    world: World,
    partner_ids: dict[str, str],
    readers: set[str],
    default: Tlp,
    posted: list[tuple[str, Tlp | None]],
    data: st.DataObject,
) -> None:
    ids = partner_ids
    writers = set(PARTNERS)
    collection = SharingDesk(world.store).add_collection(
        Principal.operator("tests"),
        "property",
        "t",
        readers=[ids[p] for p in readers],
        writers=[ids[p] for p in writers],
        default_tlp=default.value,
    )
    expected: dict[str, dict[str, Any]] = {}
    envelopes: dict[str, list[dict[str, Any]]] = {}  # one envelope per poster: one commit
    for n, (poster, tlp) in enumerate(posted):
        extra: dict[str, Any] = {} if tlp is None else {"object_marking_refs": [MARKING_IDS[tlp]]}
        # Ids unique across examples too: the REST API's by-id read spans collections.
        obj = indicator(data.draw(st.integers(0, 10**9)) * 10 + n, **extra)
        obj["id"] = f"indicator--{uuid.uuid4()}"
        envelopes.setdefault(poster, []).append(obj)
        expected[obj["id"]] = {"tlp": tlp or default, "owner": ids[poster]}
    for poster, objects in envelopes.items():
        sent = client.post(
            f"{ROOT}/collections/{collection.id}/objects/",
            data=json.dumps({"objects": objects}),
            headers={**basic(world, poster), "Content-Type": TAXII},
        )
        assert sent.status_code == 202
    audience = tuple(ids[p] for p in readers)
    url = f"{ROOT}/collections/{collection.id}"
    for reader in PARTNERS:
        may = {
            oid
            for oid, e in expected.items()
            if reader in readers and may_read(e["tlp"], e["owner"], audience, ids[reader])
        }
        headers = basic(world, reader)
        listed = client.get(f"{url}/objects/", query_string={"limit": "1000"}, headers=headers)
        manifest = client.get(f"{url}/manifest/", headers=headers)
        api = client.get(
            "/api/v1/indicators",
            query_string={"collection_id": collection.id, "limit": "1000"},
            headers=world.auth(reader),
        )
        if reader not in readers:
            assert listed.status_code in (403, 404) and manifest.status_code in (403, 404)
            assert api.status_code in (403, 404)
        else:
            assert {o["id"] for o in listed.get_json().get("objects", [])} == may
            assert {o["id"] for o in manifest.get_json().get("objects", [])} == may
            assert {o["id"] for o in api.get_json()["items"]} == may
        for oid in expected:
            one = client.get(f"{url}/objects/{oid}/", headers=headers)
            versions = client.get(f"{url}/objects/{oid}/versions/", headers=headers)
            by_api = client.get(f"/api/v1/indicators/{oid}", headers=world.auth(reader))
            assert (one.status_code == 200) == (oid in may), (reader, oid)
            assert (versions.status_code == 200) == (oid in may), (reader, oid)
            assert (by_api.status_code == 200) == (oid in may), (reader, oid)
