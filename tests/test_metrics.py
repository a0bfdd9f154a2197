"""`GET /metrics`: Prometheus text for admins (or a scraper's address), 403 for other
roles; parsed with prometheus_client's own parser. Served by `crsa serve` with two
workers, a scrape adds up every worker's counts and the scorer's runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

import requests
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from hub.core.model import utcnow
from hub.core.records.intel import FeedState, IntelSource
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import World
from tests.test_served import run, serve, stop, wait_healthy


def families(text: str) -> dict[str, Metric]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(found: dict[str, Metric], name: str, **labels: str) -> float:
    total = 0.0
    for sample in found[name].samples if name in found else ():
        if sample.name.endswith(("_created", "_bucket")):
            continue
        if all(sample.labels.get(k) == v for k, v in labels.items()):
            total += sample.value
    return total


def scrape(client: FlaskClient, world: World, who: str = "admin") -> dict[str, Metric]:
    got = client.get("/metrics", headers=world.auth(who))
    assert got.status_code == 200, got.text
    assert got.content_type.startswith("text/plain")
    return families(got.text)


def test_admins_scrape_and_other_roles_are_refused(client: FlaskClient, world: World) -> None:
    for _ in range(3):
        assert client.get("/api/v1/me", headers=world.auth("soc")).status_code == 200
    assert client.get("/api/v1/assets/nope", headers=world.auth("soc")).status_code == 404
    found = scrape(client, world)
    assert value(found, "crsa_http_requests", route="/api/v1/me", status="200") == 3
    # By route, not by path: an id never becomes a label.
    assert value(found, "crsa_http_requests", route="/api/v1/assets/<asset_id>", status="404") == 1
    assert value(found, "crsa_http_request_seconds", route="/api/v1/me") > 0  # the sum
    assert value(found, "crsa_store_call_seconds", backend=world.store.name) > 0
    for who in ("soc", "auditor", "agency_a", "partner"):
        refused = client.get("/metrics", headers=world.auth(who))
        assert refused.status_code == 403, who
        assert "admin" in refused.get_json()["detail"]
    assert client.get("/metrics").status_code == 401


def test_a_scraper_address_needs_no_token(tmp_path: Path, world: World) -> None:
    allowed = create_app(
        Settings(home=tmp_path, metrics_allow="10.0.0.0/8, 127.0.0.1"), world.store
    )
    assert allowed.test_client().get("/metrics").status_code == 200
    elsewhere = create_app(Settings(home=tmp_path, metrics_allow="10.0.0.0/8"), world.store)
    assert elsewhere.test_client().get("/metrics").status_code == 401


def test_state_figures_come_from_the_store(app: Flask, world: World) -> None:
    now = utcnow()
    broken = FeedState(
        FeedState.key_id(IntelSource.KEV, "https://kev.example/known.json"),
        IntelSource.KEV,
        "https://kev.example/known.json",
        "",
        now,
        0,
        0,
        last_error="HTTP 503",
        failed_at=now,
    )
    with world.store.transaction() as tx:
        tx.put_feed(broken)
    found = scrape(app.test_client(), world)
    assert value(found, "crsa_feed_failing", feed=broken.id, source="kev") == 1
    assert 0 <= value(found, "crsa_feed_sync_age_seconds", feed=broken.id) < 60
    assert {s.labels["status"] for s in found["crsa_outbox_events"].samples} >= {
        "pending",
        "failed",
    }


def _sum(samples: Iterable[float]) -> float:
    return float(sum(samples))


def _json_lines(stderr: str) -> list[dict[str, object]]:
    found = []
    for raw in stderr.splitlines():
        try:
            found.append(json.loads(raw))
        except ValueError:
            continue  # gunicorn's own start-up lines
    return found


def test_a_served_hub_adds_up_every_worker_and_logs_each_request(tmp_path: Path) -> None:
    """Two workers and the scorer count into one scrape; every request and background
    run is one JSON line on stderr (hub.core.logs), naming no token."""
    home = tmp_path / "hub"
    run(home, "init")
    op = run(home, "org", "add", "Ops", "--kind", "operator")
    admin = run(home, "token", "add", "--org", op, "--role", "admin")
    proc, url = serve(home, workers=2, CRSA_SCORE_INTERVAL="1")
    headers = {"Authorization": f"Bearer {admin}"}
    try:
        wait_healthy(url, proc, 60)
        for n in range(40):  # new connections: spread over both workers
            asked = {**headers, "X-Request-ID": f"ask-{n}"}
            assert requests.get(f"{url}/api/v1/me", headers=asked, timeout=5).status_code == 200
        deadline = time.monotonic() + 60
        while True:
            got = requests.get(f"{url}/metrics", headers=headers, timeout=5)
            assert got.status_code == 200
            found = families(got.text)
            if value(found, "crsa_background_runs", work="scoring") >= 1:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert value(found, "crsa_http_requests", route="/api/v1/me", status="200") == 40
        assert value(found, "crsa_background_runs", work="scoring", result="done") >= 1
        last = value(found, "crsa_background_last_run_timestamp_seconds", work="scoring")
        assert time.time() - 120 < last <= time.time()
    finally:
        stop(proc)
    stdout, stderr = proc.communicate()
    assert admin not in stdout + stderr
    lines = _json_lines(stdout + stderr)  # requests on stdout, background runs on stderr
    logged = sorted(
        str(x["request_id"]) for x in lines if str(x.get("request_id")).startswith("ask-")
    )
    assert logged == sorted(f"ask-{n}" for n in range(40))  # one line each, whichever worker
    me = next(x for x in lines if x.get("request_id") == "ask-0")
    assert (me["route"], me["status"], me["role"], me["logger"]) == (
        "/api/v1/me",
        200,
        "admin",
        "crsa.request",
    )
    runs = [x for x in lines if x.get("work") == "scoring" and "result" in x]
    assert runs and runs[0]["result"] == "done" and runs[0]["logger"] == "crsa.background"
