"""Continuous scoring on both stores: an incremental run rescores exactly the systems that
changed or whose time came (a deadline passing, an accepted risk ending), writes nothing
when nothing did, and always agrees with a full run."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.model import Finding, FindingStatus, Role, Severity, utcnow
from hub.core.store import Store
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import Run, audit_draft, run_scoring, score_as_of, score_hub
from hub.risk.triage import TriageDesk
from tests.conftest import World
from tests.scoring.test_scores import host_batch

# These tests pin the incremental mechanics on exact sums, so they leave out the points
# for hosts that never reported (the world's hosts were registered, not collected): the
# weights themselves are the judgments' business (test_judgments.py).
POLICY = replace(default_policy(), unreported_asset_points=0.0)
SOC = Principal("token:soc", Role.SOC_ANALYST, None)


def vuln(
    world: World,
    system_id: str,
    asset_id: str,
    org_id: str,
    cve: str,
    seen: datetime,
    *,
    severity: Severity = Severity.HIGH,
    purl: str = "pkg:pypi/django@4.2.7",
    fixed_in: tuple[str, ...] = ("4.2.8",),
    kev_due: str | None = None,
) -> Finding:
    return Finding(
        Finding.key_id(f"asset:{asset_id}", purl, cve),
        org_id,
        system_id,
        asset_id,
        purl,
        cve,
        severity,
        None,
        kev_due is not None,
        None,
        FindingStatus.OPEN,
        seen,
        seen,
        None,
        fixed_in=fixed_in,
        kev_due=kev_due,
    )


def put(store: Store, *findings: Finding) -> None:
    """Findings written the way matching writes them: with their systems marked."""
    with store.transaction() as tx:
        tx.put_findings(list(findings))
        tx.mark_changed({(f.org_id, f.system_id) for f in findings}, "findings")


def score(store: Store, now: datetime, *, full: bool = False) -> Run:
    return run_scoring(store, POLICY, now, audit_draft("cli:tests", "t", POLICY, now), full=full)


def latest(store: Store, subject: str, now: datetime) -> float:
    rec = score_as_of(store, subject, now)
    assert rec is not None, subject
    return rec.points


def test_incremental_rescores_only_what_changed_and_agrees_with_a_full_run(world: World) -> None:
    store, t0 = world.store, utcnow()
    put(store, vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-1", t0))
    first = score(store, t0, full=True)
    assert (first.systems, first.rescored, first.organizations) == (2, 2, 2)

    head = store.audit_head()
    idle = score(store, t0 + timedelta(minutes=1))
    assert (idle.rescored, idle.records) == (0, 0)
    assert store.audit_head() == head  # nothing to do: nothing written, not even an entry

    put(store, vuln(world, world.system_b, world.asset_b, world.agency_b, "CVE-2", t0))
    t1 = t0 + timedelta(minutes=2)
    step = score(store, t1)
    assert (step.rescored, step.organizations) == (1, 1)  # only B's system and B
    assert len(store.score_history(f"organization:{world.agency_a}")) == 1
    assert len(store.score_history(f"organization:{world.agency_b}")) == 2
    full = {r.subject: r.points for r in score_hub(store, POLICY, t1)}
    for subject in (f"organization:{world.agency_a}", f"organization:{world.agency_b}", "nation"):
        assert latest(store, subject, t1) == full[subject]
    assert full["nation"] > 0 and latest(store, "nation", t1) == full["nation"]


def test_a_passing_deadline_rescores_on_its_own(world: World) -> None:
    store, t0 = world.store, utcnow()
    put(store, vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-1", t0))
    score(store, t0, full=True)
    before = latest(store, f"system:{world.system_a}", t0)
    assert score(store, t0 + timedelta(days=29)).rescored == 0  # high: due in 30 days
    late = t0 + timedelta(days=32)
    run = score(store, late)
    assert run.rescored == 1
    rec = score_as_of(store, f"system:{world.system_a}", late)
    assert rec is not None and rec.points > before
    history = store.score_history(f"asset:{world.asset_a}")
    assert "overdue" in str(history[-1].contributions)


def test_accepted_risk_counts_less_until_it_expires(world: World) -> None:
    store, t0 = world.store, utcnow()
    put(store, vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-1", t0))
    score(store, t0, full=True)
    full_points = latest(store, f"system:{world.system_a}", t0)
    desk = TriageDesk(store)
    [action] = desk.queue(SOC)
    until = t0 + timedelta(days=10)
    desk.update(SOC, action["id"], "t", accepted_until=until, reason="vendor patch next week")

    t1 = t0 + timedelta(minutes=1)
    assert score(store, t1).rescored == 1  # the acceptance marked the system
    reduced = latest(store, f"system:{world.system_a}", t1)
    assert reduced == full_points * POLICY.accepted_risk_factor
    assert "accepted_risk" in str(store.score_history(f"asset:{world.asset_a}")[-1].flags)
    assert desk.queue(SOC)[0]["status"] == "accepted_risk"

    after = until + timedelta(minutes=1)
    assert score(store, after).rescored == 1  # its end was the state's next change
    assert latest(store, f"system:{world.system_a}", after) == full_points
    later = TriageDesk(store, clock=lambda: after)
    assert later.queue(SOC)[0]["status"] == "open"  # back in the queue, nobody had to remember


def test_inventory_through_the_api_marks_only_its_system(client: FlaskClient, world: World) -> None:
    t0 = utcnow()
    score(world.store, t0, full=True)
    batch = host_batch(world.system_a, "web-9", failed_check=True)
    got = client.post(
        "/api/v1/inventory",
        data=json.dumps(batch),
        headers={**world.auth("agency_a"), "Content-Type": "application/json"},
    )
    assert got.status_code == 201, got.get_json()
    run = score(world.store, t0 + timedelta(minutes=1))
    assert (run.rescored, run.organizations) == (1, 1)
    rec = score_as_of(world.store, f"system:{world.system_a}", t0 + timedelta(minutes=1))
    assert rec is not None and rec.points > 0  # the failed check counts


def test_the_store_marks_nothing_the_writers_of_score_inputs_do(world: World) -> None:
    """What counts as a score input is decided by the capability that writes it, not by
    the store: a bare write marks no system; reconciling findings marks the system they
    belong to, and only it."""
    from hub.core.store.interface import SCORE_CHANGES
    from hub.intelligence.findings import apply

    store, now = world.store, utcnow()
    finding = vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-2099-1", now)
    with store.transaction() as tx:
        tx.put_findings([finding])
    assert list(store.iter_all(SCORE_CHANGES, reason="findings")) == []
    other = vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-2099-2", now)
    apply(
        store,
        [other],
        system_id=world.system_a,
        asset_id=world.asset_a,
        product_id="",
        now=now,
        actor="cli:tests",
        request_id="t",
        reason="test",
    )
    marks = list(store.iter_all(SCORE_CHANGES, reason="findings"))
    assert [(m.org_id, m.id) for m in marks] == [(world.agency_a, world.system_a)]
