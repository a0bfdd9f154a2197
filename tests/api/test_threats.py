"""The threat API (issue 23, item 7): indicators and sightings through REST, read under the
rule TAXII reads them by. The property test in tests/taxii/test_markings_property.py
compares the two fronts over random markings and rights; these pin the rest: paging,
granular markings, sightings, collection scope, roles."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, TAXII, basic, collection, indicator, post

__all__ = ["collection"]
GREEN, RED = MARKING_IDS[Tlp.GREEN], MARKING_IDS[Tlp.RED]


def _taxii(client: FlaskClient, world: World, who: str, cid: str) -> dict[str, Any]:
    got = client.get(
        f"{ROOT}/collections/{cid}/objects/",
        query_string={"limit": "1000"},
        headers=basic(world, who),
    )
    return {o["id"]: o for o in got.get_json().get("objects", [])}


def _api(client: FlaskClient, world: World, who: str, path: str, **query: str) -> Any:
    return client.get(f"/api/v1/{path}", query_string=query, headers=world.auth(who))


def sighting(n: int, indicator_id: str) -> dict[str, Any]:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": indicator_id,
        "count": 2,
        "object_marking_refs": [GREEN],
    }


def test_every_role_reads_indicators_as_taxii_serves_them(
    client: FlaskClient, world: World, collection: str
) -> None:
    named = indicator(1, object_marking_refs=[GREEN],
                      granular_markings=[{"marking_ref": RED, "selectors": ["name"]}])  # fmt: skip
    own = indicator(2, object_marking_refs=[MARKING_IDS[Tlp.AMBER_STRICT]])
    plain = indicator(3, object_marking_refs=[GREEN])
    assert post(client, world, "partner", collection, [named, own, plain]).status_code == 202

    for who in ("partner", "agency_a"):
        listed = _api(client, world, who, "indicators")
        assert listed.status_code == 200, listed.get_json()
        items = {i["id"]: i for i in listed.get_json()["items"]}
        served = _taxii(client, world, who, collection)
        assert {i: o["object"] for i, o in items.items()} == served
        assert "name" not in items[named["id"]]["object"]  # RED never leaves the hub
        assert items[plain["id"]]["tlp"] == "green"
        assert items[plain["id"]]["collection_id"] == collection
    partner_sees = {i["id"] for i in _api(client, world, "partner", "indicators").json["items"]}
    agency_sees = {i["id"] for i in _api(client, world, "agency_a", "indicators").json["items"]}
    assert own["id"] in partner_sees and own["id"] not in agency_sees  # AMBER+STRICT: its owner

    # An agency that is no reader of the collection, and an admin, who reads every one.
    assert _api(client, world, "agency_b", "indicators").json["items"] == []
    assert {i["id"] for i in _api(client, world, "admin", "indicators").json["items"]} == {
        named["id"],
        plain["id"],  # the admin's organization is not the owner: AMBER+STRICT stays out
    }
    one = _api(client, world, "agency_a", f"indicators/{plain['id']}")
    assert one.status_code == 200 and one.json["object"] == plain
    assert one.json["collections"] == [collection]
    for who, oid in (("agency_a", own["id"]), ("agency_b", plain["id"]),
                     ("agency_a", "indicator--00000000-0000-4000-8000-999999999999")):  # fmt: skip
        hidden = _api(client, world, who, f"indicators/{oid}")
        assert hidden.status_code == 404 and hidden.json["error"] == "not_found", hidden.json


def test_pages_span_collections_and_end(client: FlaskClient, world: World, collection: str) -> None:
    second = SharingDesk(world.store).add_collection(
        Principal.operator("tests"), "Second", "t",
        readers=[world.partner], writers=[world.partner], default_tlp="green",
    ).id  # fmt: skip
    first_batch = [indicator(n) for n in range(10, 17)]
    second_batch = [indicator(n) for n in range(20, 25)]
    assert post(client, world, "partner", collection, first_batch).status_code == 202
    assert post(client, world, "partner", second, second_batch).status_code == 202
    seen: list[str] = []
    query = {"limit": "5"}
    while True:
        page = _api(client, world, "partner", "indicators", **query)
        assert page.status_code == 200, page.json
        seen += [i["id"] for i in page.json["items"]]
        if page.json["next"] is None:
            break
        query = {"limit": "5", "next": page.json["next"]}
    assert sorted(seen) == sorted(o["id"] for o in first_batch + second_batch)
    assert len(seen) == len(set(seen))
    only = _api(client, world, "partner", "indicators", collection_id=second, limit="1000")
    assert {i["id"] for i in only.json["items"]} == {o["id"] for o in second_batch}
    # A collection the caller cannot see is unknown; one it may not read, forbidden.
    assert _api(client, world, "agency_a", "indicators", collection_id=second).status_code == 404
    bad = _api(client, world, "partner", "indicators", next="not-a-token")
    assert bad.status_code == 422 and "next" in bad.json["detail"], bad.json


def test_sightings_are_listed_apart_from_indicators(
    client: FlaskClient, world: World, collection: str
) -> None:
    seen_one = indicator(30, object_marking_refs=[GREEN])
    sight = sighting(31, seen_one["id"])
    assert post(client, world, "agency_a", collection, [seen_one, sight]).status_code == 202
    sightings = _api(client, world, "partner", "sightings")
    assert [s["id"] for s in sightings.json["items"]] == [sight["id"]]
    assert sightings.json["items"][0]["object"]["sighting_of_ref"] == seen_one["id"]
    indicators = _api(client, world, "partner", "indicators")
    assert [i["id"] for i in indicators.json["items"]] == [seen_one["id"]]


def test_write_only_collection_is_forbidden_to_list(client: FlaskClient, world: World) -> None:
    drop_box = (
        SharingDesk(world.store)
        .add_collection(
            Principal.operator("tests"), "Drop box", "t", readers=[], writers=[world.partner]
        )
        .id
    )
    sent = client.post(
        f"{ROOT}/collections/{drop_box}/objects/",
        data=json.dumps({"objects": [indicator(40)]}),
        headers={**basic(world, "partner"), "Content-Type": TAXII},
    )
    assert sent.status_code == 202
    refused = _api(client, world, "partner", "indicators", collection_id=drop_box)
    assert refused.status_code == 403, refused.json
    assert _api(client, world, "partner", "indicators").json["items"] == []
    # Partners reach the threat API and nothing else of REST.
    assert _api(client, world, "partner", "systems").status_code == 403
