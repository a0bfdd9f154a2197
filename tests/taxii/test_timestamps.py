"""TAXII 2.1 timestamps to the microsecond (s3.2; issue 17, item 7), on both stores.
Before, `date_added`, `request_timestamp` and the X-TAXII-Date-Added-First/Last headers
carried milliseconds: a client paging with `added_after` from those headers skipped or
re-read objects added within one millisecond of each other."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.model import Role
from hub.sharing.desk import SharingDesk
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, basic, collection, indicator

__all__ = ["collection"]
MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_objects_added_within_one_millisecond_page_apart(
    client: FlaskClient, world: World, collection: str
) -> None:
    t0 = datetime(2026, 12, 1, 9, 0, 0, 1000, tzinfo=UTC)
    moments = iter([t0 + timedelta(microseconds=100), t0 + timedelta(microseconds=700)])
    desk = SharingDesk(world.store, clock=lambda: next(moments))
    partner = Principal("token:p", Role.PARTNER, world.partner)
    first = desk.post(partner, collection, {"objects": [indicator(1)]}, "r1")
    second = desk.post(partner, collection, {"objects": [indicator(2)]}, "r2")
    assert first.request_timestamp < second.request_timestamp

    url = f"{ROOT}/collections/{collection}/objects/"
    page = client.get(url, query_string={"limit": "1"}, headers=basic(world, "partner"))
    last = page.headers["X-TAXII-Date-Added-Last"]
    assert MICRO.match(last) and MICRO.match(page.headers["X-TAXII-Date-Added-First"])
    assert last == "2026-12-01T09:00:00.001100Z"
    [one] = page.get_json()["objects"]
    rest = client.get(url, query_string={"added_after": last}, headers=basic(world, "partner"))
    assert [o["id"] for o in rest.get_json()["objects"]] == [indicator(2)["id"]] != [one["id"]]
    # Any RFC 3339 precision is accepted in the filter: seconds, and nanoseconds.
    for after, expected in (
        ("2026-12-01T09:00:00Z", 2),
        ("2026-12-01T09:00:00.001100999Z", 1),
        ("2026-12-01T09:00:00.0017Z", 0),
    ):
        got = client.get(url, query_string={"added_after": after}, headers=basic(world, "partner"))
        assert got.status_code == 200, got.get_json()
        assert len(got.get_json().get("objects", [])) == expected, after

    manifest = client.get(
        f"{ROOT}/collections/{collection}/manifest/", headers=basic(world, "partner")
    )
    assert all(MICRO.match(m["date_added"]) for m in manifest.get_json()["objects"])
    status = client.get(f"{ROOT}/status/{second.id}/", headers=basic(world, "partner")).get_json()
    assert status["request_timestamp"] == "2026-12-01T09:00:00.001700Z"
