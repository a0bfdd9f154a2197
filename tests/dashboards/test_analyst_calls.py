"""The dashboard calls the benchmarks time (bench/dash, and bench/nation's analyst) are
built from the callbacks the pages declare. Written out by hand, they went on posting a
callback the agency page no longer had: every call answered 400, and both benchmarks
measured nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from bench.dash.__main__ import analyst_calls
from tests.conftest import World
from tests.dashboards.test_security import DASH, login


def test_the_benchmarks_dashboard_calls_are_answered(client: FlaskClient, world: World) -> None:
    csrf = login(client, world)
    dependencies = client.get("/ui/_dash-dependencies").get_json()
    calls = analyst_calls(dependencies, world.agency_a)
    assert set(calls) == {"overview", "agency_summary", "agency_assets_page"}
    for name, body in calls.items():
        got = client.post(DASH, json=body, headers={"X-CSRFToken": csrf})
        assert got.status_code == 200, (name, got.get_data(as_text=True)[:300])
    rows = client.post(DASH, json=calls["agency_assets_page"], headers={"X-CSRFToken": csrf})
    assert world.asset_a in rows.get_data(as_text=True)
