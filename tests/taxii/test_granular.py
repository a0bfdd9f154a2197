"""Granular TLP markings and malformed marking references (issue 17, item 6), on both
stores: before, an object marked GREEN with a TLP:RED granular marking on `name` was
served whole to another partner, and a marking reference in upper-case hex was stored
and served as if the object were unmarked."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from stix2validator import ValidationOptions, validate_instance

from hub.sharing.markings import MARKING_IDS, Tlp
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, basic, collection, indicator, post

__all__ = ["collection"]
GREEN, STRICT, RED = (MARKING_IDS[t] for t in (Tlp.GREEN, Tlp.AMBER_STRICT, Tlp.RED))


def _read(client: FlaskClient, world: World, who: str, cid: str) -> dict[str, Any]:
    got = client.get(f"{ROOT}/collections/{cid}/objects/", headers=basic(world, who))
    assert got.status_code == 200
    return {o["id"]: o for o in got.get_json().get("objects", [])}


def _valid(obj: dict[str, Any]) -> None:
    result = validate_instance(obj, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]


def test_granular_markings_redact_or_withhold(
    client: FlaskClient, world: World, collection: str
) -> None:
    named = indicator(1, object_marking_refs=[GREEN], granular_markings=[
        {"marking_ref": RED, "selectors": ["name"]},
        {"marking_ref": STRICT, "selectors": ["description"]},
    ])  # fmt: skip
    red_pattern = [{"marking_ref": RED, "selectors": ["pattern"]}]
    core = indicator(2, object_marking_refs=[GREEN], granular_markings=red_pattern)
    plain = indicator(3, object_marking_refs=[GREEN])
    status = post(client, world, "partner", collection, [named, core, plain]).get_json()
    assert status["success_count"] == 3, status

    other = _read(client, world, "agency_a", collection)
    assert set(other) == {named["id"], plain["id"]}  # the pattern is RED: withheld whole
    seen = other[named["id"]]
    assert "name" not in seen and "description" not in seen  # RED, and AMBER+STRICT not its own
    assert "granular_markings" not in seen and seen["pattern"] == named["pattern"]
    _valid(seen)
    assert other[plain["id"]] == plain

    mine = _read(client, world, "partner", collection)
    assert mine[named["id"]]["description"] == named["description"]  # its own AMBER+STRICT
    assert "name" not in mine[named["id"]]  # RED never leaves the hub, even to its owner
    assert mine[named["id"]]["granular_markings"] == [
        {"marking_ref": STRICT, "selectors": ["description"]}
    ]
    _valid(mine[named["id"]])
    manifest = client.get(
        f"{ROOT}/collections/{collection}/manifest/", headers=basic(world, "agency_a")
    ).get_json()
    assert core["id"] not in {m["id"] for m in manifest["objects"]}
    one = client.get(
        f"{ROOT}/collections/{collection}/objects/{named['id']}/", headers=basic(world, "agency_a")
    ).get_json()
    assert "name" not in one["objects"][0]


def test_malformed_marking_references_are_refused(
    client: FlaskClient, world: World, collection: str
) -> None:
    upper = RED.replace("e828b379", "E828B379")
    cases = [
        indicator(11, object_marking_refs=[upper]),
        indicator(12, granular_markings=[{"marking_ref": upper, "selectors": ["name"]}]),
        indicator(13, granular_markings=[{"marking_ref": RED, "selectors": []}]),
        indicator(14, object_marking_refs="not a list"),
    ]
    status = post(client, world, "partner", collection, cases).get_json()
    assert status["failure_count"] == 4 and status["success_count"] == 0, status
    assert "lower case" in status["failures"][0]["message"]
    assert _read(client, world, "agency_a", collection) == {}
