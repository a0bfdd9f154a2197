"""Compromise evidence is risk of its own, on both stores: a host with live C2 sightings and
no CVE scores, its investigation carries the points and outranks routine patching, the
agency's grade reads per asset, and an export recomputes the sightings' points offline."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hub.cli import main
from hub.core.auth import Principal
from hub.core.model import Role, Severity, utcnow
from hub.core.records.telemetry import AssetTelemetry
from hub.core.store.interface import SIGHTINGS
from hub.risk.exports import auditor, recompute
from hub.risk.scoring.compute import Run, audit_draft, score_hub
from hub.risk.triage import TriageDesk
from hub.sharing.desk import SharingDesk
from hub.sharing.ioc import record
from tests.conftest import World
from tests.scoring.test_continuous import POLICY, put, score, vuln

ROOT = Principal.operator("tests")
SOC = Principal("token:soc", Role.SOC_ANALYST, None)
C2 = ("203.0.113.7", "203.0.113.8")


def c2(n: int, address: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"C2 server {n}",
        "indicator_types": ["malicious-activity"],
        "kill_chain_phases": [
            {
                "kill_chain_name": "lockheed-martin-cyber-kill-chain",
                "phase_name": "command-and-control",
            }
        ],
        "confidence": 80,
        "pattern": f"[ipv4-addr:value = '{address}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }


def beacon(world: World, at: datetime) -> None:
    """Host A talks to both C2 servers; it has no vulnerable package at all."""
    data = {
        "connections": [
            {
                "protocol": "tcp",
                "state": "established",
                "local_address": "10.0.0.5",
                "local_port": 50000 + n,
                "remote_address": ip,
                "remote_port": 443,
            }
            for n, ip in enumerate(C2)
        ],
    }
    with world.store.transaction() as tx:
        tx.put_telemetry(
            AssetTelemetry(world.asset_a, world.agency_a, world.system_a, at, "6.1", 0, 0, data)
        )


def sighted_world(world: World) -> datetime:
    desk = SharingDesk(world.store)
    inbound = desk.add_collection(ROOT, "ISAC", "t", readers=[world.partner],
                                  writers=[world.partner])  # fmt: skip
    indicators = [c2(n, ip) for n, ip in enumerate(C2, 1)]
    assert desk.keep(inbound, indicators, world.partner, "t", "t").success_count == 2
    t0 = utcnow()
    beacon(world, t0)
    # Routine patching elsewhere: a medium on agency B's host.
    put(world.store, vuln(world, world.system_b, world.asset_b, world.agency_b, "CVE-7", t0,
                          severity=Severity.MEDIUM))  # fmt: skip
    assert record(world.store, t0).new == 2
    return t0


def test_live_c2_on_a_host_without_cves_scores_and_its_investigation_leads(
    world: World,
) -> None:
    t0 = sighted_world(world)
    profiles = [s.profile for s in world.store.iter_all(SIGHTINGS)]
    assert len(profiles) == 2
    for profile in profiles:
        assert profile["phases"] == ["command-and-control"] and profile["confidence"] == 80
        assert (profile["hosts"], profile["agencies"], profile["tlp"]) == (1, 1, "amber")
    score(world.store, t0, full=True)
    [host] = world.store.score_history(f"asset:{world.asset_a}")
    evidence = [p for p in host.contributions["parts"] if p["detail"].startswith("evidence:")]
    assert len(evidence) == 2 and host.points > 0 and "compromise" in host.flags
    assert host.points == sum(p["points"] for p in host.contributions["parts"])
    reasons = [f["reason"] for f in evidence[0]["factors"]]
    assert reasons == ["indicator", "confidence", "tlp", "criticality"]  # seen once: no spread

    queue = TriageDesk(world.store).queue(SOC)
    investigations = [r for r in queue if r["kind"] == "sighting"]
    assert len(investigations) == 2
    assert {r["points"] for r in investigations} == {round(p["points"], 6) for p in evidence}
    assert all(r["points"] > 0 for r in investigations)
    assert queue[0]["kind"] == queue[1]["kind"] == "sighting"  # before the medium's upgrade
    assert queue[0]["title"].startswith("investigate C2 server ")
    assert "sighted on 1 asset in 1 agency" in queue[0]["title"]
    agency_b = Principal("b", Role.AGENCY_SUBMITTER, world.agency_b)
    assert [r["kind"] for r in TriageDesk(world.store).queue(agency_b)] == ["upgrade"]


def test_a_sighting_spreading_to_another_agency_rescores_the_first(world: World) -> None:
    """How widely an indicator is seen weighs every sighting of it, so a new host in agency B
    moves agency A's score too: the spread is on A's sightings, which marks A's system."""
    t0 = sighted_world(world)
    score(world.store, t0, full=True)
    before = world.store.score_history(f"asset:{world.asset_a}")[-1].points
    data = {"connections": [{"protocol": "tcp", "state": "established",
                             "local_address": "10.0.1.5", "local_port": 50000,
                             "remote_address": C2[0], "remote_port": 443}]}  # fmt: skip
    with world.store.transaction() as tx:
        tx.put_telemetry(
            AssetTelemetry(world.asset_b, world.agency_b, world.system_b, t0, "6.1", 0, 0, data)
        )
    record(world.store, t0)
    run = score(world.store, t0)
    assert run.rescored == 2  # A's system too, though nothing on its hosts changed
    after = world.store.score_history(f"asset:{world.asset_a}")[-1].points
    assert after > before
    assert after == sum(r.points for r in score_hub(world.store, POLICY, t0)
                        if r.subject == f"asset:{world.asset_a}")  # fmt: skip


def crsa(home: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_an_export_under_the_new_policy_recomputes_its_sightings(
    world: World, tmp_path: Path
) -> None:
    t0 = sighted_world(world)
    out = tmp_path / "export"
    audit = audit_draft("cli:tests", "t", POLICY, t0)
    draft = lambda detail: replace(audit(Run(t0, True)), detail=detail)  # noqa: E731
    auditor.create(world.store, tmp_path, out, None, t0, draft)
    inputs = (out / "inputs.json").read_text()
    assert '"evidence"' in inputs and "command-and-control" in inputs
    assert 'version: "2027.1"' in (out / "policy.yaml").read_text()
    checked, problems = recompute.compare(out)
    assert checked > 0 and problems == []
    scores = json.loads((out / "scores.json").read_text())
    host = next(s for s in scores if s["subject"] == f"asset:{world.asset_a}")
    assert host["points"] > 0 and host["band"] and host["measure"] == host["points"]


def test_an_export_made_under_the_previous_policy_still_verifies_and_recomputes(
    tmp_path: Path,
) -> None:
    """Made by the release before this one (policy 2026.1, no bands): scored and signed
    then, checked and recomputed now, number for number."""
    out = tmp_path / "old"
    shutil.copytree(Path(__file__).parent / "data" / "export-2026.1", out)
    assert 'version: "2026.1"' in (out / "policy.yaml").read_text()
    report = crsa(tmp_path / "hub", "export", "verify", "--recompute", str(out))
    assert "every file matches the signed manifest" in report
    assert "3 scores recomputed from its inputs, all equal" in report
