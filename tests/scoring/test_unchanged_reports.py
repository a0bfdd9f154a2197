"""Issue 20 (a write path for a nation's daily reports, rescoring that scales): a host
that reports the same software and checks again, as most of a nation's hosts do every
day, writes none of its findings and leaves its system's score where it was, so the next
incremental run rescores nothing. Before, every report rewrote every finding of its host
(to move its last_seen) and marked its system, and `bench/nation` showed the day's
incremental run rescoring as much as a full one.

What does move a score still marks: a new host, a changed check, changed software, and
a host back from silence (counted as unreported until it reports)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient

from collectors import wire
from hub.core.model import FindingStatus, utcnow
from hub.core.records.intel import IntelSource
from hub.core.settings import Settings
from hub.core.store.interface import FINDINGS
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import Run, audit_draft, run_scoring, score_as_of
from tests.conftest import World
from tests.scoring.test_scores import host_batch
from tests.supply.builders import osv, write_osv

POLICY = default_policy()  # with points for hosts that stopped reporting


def post(client: FlaskClient, world: World, batch: wire.Inventory) -> None:
    got = client.post(
        "/api/v1/inventory",
        data=json.dumps(batch),
        headers={**world.auth("agency_a"), "Content-Type": "application/json"},
    )
    assert got.status_code == 201, got.get_json()


def score(world: World, now: datetime, *, full: bool = False) -> Run:
    draft = audit_draft("cli:tests", "t", POLICY, now)
    return run_scoring(world.store, POLICY, now, draft, full=full)


def points(world: World, subject: str, now: datetime) -> float:
    record = score_as_of(world.store, subject, now)
    assert record is not None, subject
    return record.points


def test_the_same_report_again_rescores_nothing(client: FlaskClient, world: World) -> None:
    t0 = utcnow()
    score(world, t0, full=True)
    post(client, world, host_batch(world.system_a, "web-9", failed_check=True))
    assert score(world, t0 + timedelta(minutes=1)).rescored == 1  # a new host
    system = f"system:{world.system_a}"
    before = points(world, system, t0 + timedelta(minutes=1))

    post(client, world, host_batch(world.system_a, "web-9", failed_check=True))
    run = score(world, t0 + timedelta(minutes=2))
    assert run.rescored == 0
    assert points(world, system, t0 + timedelta(minutes=2)) == before
    # ... and a full run at that moment agrees with what the incremental one kept.
    score(world, t0 + timedelta(minutes=3), full=True)
    assert points(world, system, t0 + timedelta(minutes=3)) == before

    post(client, world, host_batch(world.system_a, "web-9", failed_check=False))
    assert score(world, t0 + timedelta(minutes=4)).rescored == 1  # the check now passes
    assert points(world, system, t0 + timedelta(minutes=4)) < before


def test_a_host_back_from_silence_rescores_its_system(client: FlaskClient, world: World) -> None:
    t0 = utcnow()
    post(client, world, host_batch(world.system_a, "web-9", failed_check=False))
    asset = next(a for a in world.store.iter_all_assets(world.system_a) if a.hostname == "web-9")
    silent_since = t0 - timedelta(days=30)
    with world.store.transaction() as tx:  # it last reported a month ago
        tx.put_asset(replace(asset, last_seen=silent_since))
    score(world, t0, full=True)
    record = score_as_of(world.store, f"asset:{asset.id}", t0)
    assert record is not None and "unreported" in record.flags

    post(client, world, host_batch(world.system_a, "web-9", failed_check=False))
    assert score(world, t0 + timedelta(minutes=1)).rescored == 1
    record = score_as_of(world.store, f"asset:{asset.id}", t0 + timedelta(minutes=1))
    assert record is not None and "unreported" not in record.flags


def test_a_repeat_report_writes_no_finding_and_readers_see_it_last_seen_then(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    write_osv(tmp_path / "osv", osv("DSA-1", "Debian:12", "openssl", "0", "3.0.13-1~deb12u1"))
    register(world.store, IntelSource.OSV, str(tmp_path / "osv"), "t", "cli:tests")
    refresh(world.store, settings, "t")
    t0 = utcnow().replace(microsecond=0) - timedelta(hours=2)
    first = host_batch(world.system_a, "web-9", failed_check=False)
    first["collected_at"] = t0.isoformat()
    post(client, world, first)
    stored = [f for f in world.store.iter_all(FINDINGS, system_id=world.system_a) if f.asset_id]
    assert [f.status for f in stored] == [FindingStatus.OPEN] and stored[0].last_seen == t0
    again = host_batch(world.system_a, "web-9", failed_check=False)
    again["collected_at"] = (t0 + timedelta(hours=1)).isoformat()
    post(client, world, again)

    # The stored finding is as it was: the report wrote none of it ...
    assert world.store.get_finding(stored[0].id) == stored[0]
    # ... and what readers see says the host still had it at its last report.
    auth = world.auth("agency_a")
    listed = client.get(f"/api/v1/findings?asset_id={stored[0].asset_id}", headers=auth)
    assert [f["last_seen"][:19] for f in listed.get_json()["items"]] == [
        (t0 + timedelta(hours=1)).isoformat()[:19]
    ]
    one = client.get(f"/api/v1/findings/{stored[0].id}", headers=auth).get_json()
    assert one["last_seen"][:19] == (t0 + timedelta(hours=1)).isoformat()[:19]
    assert one["first_seen"][:19] == t0.isoformat()[:19]

    # Once fixed, a finding keeps the time it was last seen.
    patched = host_batch(world.system_a, "web-9", failed_check=False)
    patched["packages"] = []
    patched["collected_at"] = (t0 + timedelta(hours=2)).isoformat()
    post(client, world, patched)
    fixed = client.get(f"/api/v1/findings/{stored[0].id}", headers=auth).get_json()
    assert fixed["status"] == "fixed"
    assert fixed["last_seen"][:19] == (t0 + timedelta(hours=1)).isoformat()[:19]
