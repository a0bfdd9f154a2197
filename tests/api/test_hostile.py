"""Hostile and careless input from an outside review (issue 17, items 8 and 9): each of
these answered 5xx before; each must be a 4xx naming the problem, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.sharing.desk import SharingDesk
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, TAXII, basic, collection, indicator, post

__all__ = ["collection"]  # the fixture, shared with the conformance tests
DEEP = 30_000  # within the tests' 64 KiB request limit; still far past any parser's stack


def test_json_nested_deeper_than_anyone_writes_is_refused(
    client: FlaskClient, world: World, collection: str
) -> None:
    before = world.snapshot()
    deep = ("[" * DEEP + "]" * DEEP).encode()
    deep_object = ('{"a":' * (DEEP // 3) + "1" + "}" * (DEEP // 3)).encode()
    for body in (deep, deep_object):
        rest = client.post(
            "/api/v1/systems",
            data=body,
            headers={**world.auth("admin"), "Content-Type": "application/json"},
        )
        assert rest.status_code == 400, rest.get_data(as_text=True)[:300]
        assert "JSON" in rest.get_json()["detail"]
        taxii = client.post(
            f"{ROOT}/collections/{collection}/objects/",
            data=body,
            headers={**basic(world, "partner"), "Content-Type": TAXII},
        )
        assert taxii.status_code == 400, taxii.get_data(as_text=True)[:300]
        assert taxii.content_type == TAXII
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("case", "obj"),
    [
        ("no id", {k: v for k, v in indicator(1).items() if k != "id"}),
        ("no type", {k: v for k, v in indicator(1).items() if k != "type"}),
        ("numeric id", {**indicator(1), "id": 12345}),
        ("dict type", {**indicator(1), "type": {"a": 1}}),
        ("empty pattern", {**indicator(1), "pattern": ""}),
        (
            "deep pattern",
            {**indicator(1), "pattern": "(" * 5000 + "[ipv4-addr:value = '1.2.3.4']" + ")" * 5000},
        ),
        ("not an object", "indicator"),
    ],
)
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # the desk's check, not the store's
def test_a_malformed_stix_object_is_a_per_object_failure_or_a_400(
    client: FlaskClient, world: World, collection: str, case: str, obj: Any
) -> None:
    before = world.snapshot()
    got = post(client, world, "partner", collection, [obj])
    assert got.status_code in (202, 400, 422), (case, got.status_code, got.get_data()[:300])
    assert got.content_type == TAXII
    if got.status_code == 202:
        status = got.get_json()
        assert status["success_count"] == 0 and status["failure_count"] == 1, status
        assert status["failures"][0]["message"]
    else:
        assert got.get_json()["title"]
    listed = client.get(
        f"{ROOT}/collections/{collection}/objects/", headers=basic(world, "partner")
    ).get_json()
    assert listed.get("objects", []) == []
    assert world.snapshot()[0].organizations == before[0].organizations


def test_audit_cursor_beyond_64_bits_is_a_400(client: FlaskClient, world: World) -> None:
    for after in (str(2**64), str(2**63), "-1", "99999999999999999999999999"):
        got = client.get(f"/api/v1/audit?after={after}", headers=world.auth("admin"))
        assert got.status_code == 400, (after, got.status_code)
        assert "after" in got.get_json()["detail"]


@pytest.mark.parametrize(
    "name", ["\x00Agency", "Agency\x00", "Bad\x07bell", "tab\there", "new\nline", "\u202eevil"]
)
def test_names_with_control_characters_are_refused(
    client: FlaskClient, world: World, name: str
) -> None:
    before = world.snapshot()
    for path, body in (
        ("/api/v1/organizations", {"name": name, "kind": "agency"}),
        ("/api/v1/systems", {"org_id": world.agency_a, "name": name, "criticality": "low"}),
    ):
        got = client.post(
            path,
            data=json.dumps(body),
            headers={**world.auth("admin"), "Content-Type": "application/json"},
        )
        assert got.status_code == 422, (path, got.status_code, got.get_data()[:300])
        assert "control character" in json.dumps(got.get_json())
    assert world.snapshot() == before


def test_taxii_errors_are_taxii_everywhere(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in ("/taxii2/nosuchroot/", "/taxii2/nosuchroot/collections/",
                 f"{ROOT}/nothing/here/"):  # fmt: skip
        got = client.get(path, headers=basic(world, "partner"))
        assert got.status_code == 404, path
        assert got.content_type == TAXII, (path, got.content_type)
        assert got.get_json()["http_status"] == "404"

    # A failure nobody foresaw (injected: nothing here fails on its own) is a TAXII 500 too.
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(SharingDesk, "status", broken)
    got = client.get(f"{ROOT}/status/0000/", headers=basic(world, "partner"))
    assert got.status_code == 500 and got.content_type == TAXII
    assert got.get_json()["http_status"] == "500" and "request id" in got.get_json()["description"]


def test_status_lists_are_left_out_when_empty(
    client: FlaskClient, world: World, collection: str
) -> None:
    """TAXII 2.1 lists are never empty: an empty `failures` or `pendings` is left out."""
    got = post(client, world, "partner", collection, [indicator(1)])
    status = got.get_json()
    assert status["successes"] and "failures" not in status and "pendings" not in status
    again = client.get(f"{ROOT}/status/{status['id']}/", headers=basic(world, "partner"))
    assert again.get_json() == status
    failed = post(client, world, "partner", collection, ["not an object"]).get_json()
    assert failed["failures"] and "successes" not in failed and "pendings" not in failed
