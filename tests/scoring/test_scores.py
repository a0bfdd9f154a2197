"""Scores of the hub as stored, on both stores: agencies from their systems, assets and
checks; coverage; a past score reproduced after later changes; who may see what."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from collectors import wire
from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from hub.cli import main
from hub.core.model import Finding, FindingStatus, Severity, utcnow
from hub.core.records.intel import IntelSource
from hub.core.settings import Settings, load_settings
from hub.core.store import open_store
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import score_as_of, score_hub
from tests.conftest import World
from tests.supply.builders import osv, write_osv

LIBSSL = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"


def host_batch(system_id: str, ident: str, failed_check: bool) -> wire.Inventory:
    h = Host(ident, ident, Distro("debian", "12", (), "Debian 12"), "6.1", ())
    doc = document(system_id, h, [FoundPackage(LIBSSL, "dpkg")])
    doc["checks"] = [
        {
            "id": "deb-aslr",
            "policy": "p",
            "title": "ASLR",
            "severity": "high",
            "status": "fail" if failed_check else "pass",
            "detail": "",
        }
    ]
    return doc


def test_scores_add_up_from_findings_to_the_nation_and_history_holds(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    write_osv(
        tmp_path / "osv",
        osv(
            "DSA-1",
            "Debian:12",
            "openssl",
            "0",
            "3.0.13-1~deb12u1",
            aliases=("CVE-2026-0001",),
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ),
    )
    register(world.store, IntelSource.OSV, str(tmp_path / "osv"), "t", "cli:tests")
    refresh(world.store, settings, "t")
    hdrs = {**world.auth("agency_a"), "Content-Type": "application/json"}
    got = client.post(
        "/api/v1/inventory",
        data=json.dumps(host_batch(world.system_a, "web-1", True)),
        headers=hdrs,
    )
    assert got.status_code == 201, got.get_json()

    t1 = utcnow()
    records = score_hub(world.store, default_policy(), t1)
    with world.store.transaction() as tx:
        tx.put_scores(records)
    by = {r.subject: r for r in records}
    a = by[f"organization:{world.agency_a}"]
    s = by[f"system:{world.system_a}"]
    # One critical finding (10) on an internet-facing (x1.5), high-criticality (x1.5) system,
    # and one failed high check (3 x 1.5): 22.5 + 4.5 = 27.
    web = by[f"asset:{got.get_json()['asset_id']}"]
    assert round(web.points, 6) == 27.0
    assert sum(p["points"] for p in web.contributions["parts"]) == web.points
    # The other host never reported: assumed like its reporting peer, plus 2 for not knowing.
    silent = by[f"asset:{world.asset_a}"]
    assert silent.flags == ("unreported",) and round(silent.points, 6) == 27.0 + 2.0
    assert s.points == web.points + silent.points and a.points == s.points
    # Graded per asset: the root mean square of the two hosts' points, with its band.
    assert s.measure == ((web.points**2 + silent.points**2) / 2) ** 0.5 == a.measure
    assert a.band == "B" and 20 <= a.grade < 40
    assert by["nation"].points == sum(r.points for r in records if r.kind == "organization")
    assert a.coverage["assets"] == 2 and a.coverage["assets_reporting"] == 1
    assert "thin_coverage" in a.flags  # half the assets report, no system has an SBOM

    # Later, the host is patched: a new score is lower, the old one is still what it was.
    later = host_batch(world.system_a, "web-1", False)
    later["packages"] = []
    later["collected_at"] = (t1 + timedelta(minutes=5)).isoformat()
    assert client.post("/api/v1/inventory", data=json.dumps(later), headers=hdrs).status_code == 201
    t2 = t1 + timedelta(minutes=10)
    with world.store.transaction() as tx:
        tx.put_scores(score_hub(world.store, default_policy(), t2))
    now = score_as_of(world.store, f"organization:{world.agency_a}", t2)
    then = score_as_of(world.store, f"organization:{world.agency_a}", t1 + timedelta(minutes=1))
    assert now is not None and then is not None and now.points == 2.0  # a host still silent
    assert then == a  # the recorded score, exactly as it was
    assert score_as_of(world.store, "nation", t1 - timedelta(days=1)) is None

    # Through the API: explained, scoped, as of a past moment.
    mine = client.get(
        f"/api/v1/scores/organization:{world.agency_a}",
        query_string={"as_of": (t1 + timedelta(minutes=1)).isoformat()},
        headers=world.auth("agency_a"),
    )
    assert mine.status_code == 200 and mine.get_json()["points"] == a.points
    assert mine.get_json()["contributions"][0]["detail"] == f"system:{world.system_a}"
    assert (
        client.get(
            f"/api/v1/scores/organization:{world.agency_a}", headers=world.auth("agency_b")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/scores/nation", headers=world.auth("agency_a")).status_code == 403
    assert client.get("/api/v1/scores/nation", headers=world.auth("auditor")).status_code == 200


def test_crsa_score_records_and_replays(tmp_path: Path) -> None:
    home = tmp_path / "hub"

    def crsa(*args: str) -> str:
        result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    crsa("init")
    agency = crsa("org", "add", "Digital Agency", "--kind", "agency").strip()
    crsa("system", "add", "--org", agency, "e-Gov")
    out = crsa("score")
    assert "Digital Agency\t0\tA low\t0.0\t0.0" in out and "thin_coverage" in out
    assert "nation\t0\tA low\t0.0\t0.0" in out
    assert "no score recorded" in crsa("score", "--as-of", "2020-01-01")
    assert "Digital Agency\t0\tA low" in crsa("score", "--as-of", utcnow().date().isoformat())
    bad = CliRunner().invoke(main, ["--home", str(home), "score", "--as-of", "yesterday"])
    assert bad.exit_code == 2 and "not an ISO date" in bad.output


def test_crsa_score_is_incremental_and_crsa_triage_works_the_queue(tmp_path: Path) -> None:
    home = tmp_path / "hub"

    def crsa(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    crsa("init")
    agency = crsa("org", "add", "Digital Agency", "--kind", "agency").stdout.strip()
    system = crsa("system", "add", "--org", agency, "e-Gov").stdout.strip()
    assert "the queue is empty" in crsa("triage", "list").stderr
    store = open_store(load_settings(home=home))
    try:
        seen = utcnow()
        finding = Finding(
            Finding.key_id(f"system:{system}", "pkg:pypi/django@4.2.7", "CVE-2026-1"),
            agency, system, "", "pkg:pypi/django@4.2.7", "CVE-2026-1", Severity.CRITICAL,
            9.8, False, None, FindingStatus.OPEN, seen, seen, None, fixed_in=("4.2.8",),
        )  # fmt: skip
        with store.transaction() as tx:
            tx.put_findings([finding])
    finally:
        store.close()
    assert "rescored 1 of 1 systems (only what changed)" in crsa("score").stderr
    assert "rescored 0 of 1 systems" in crsa("score").stderr
    assert "rescored 1 of 1 systems (full run)" in crsa("score", "--full").stderr
    listed = crsa("triage", "list").stdout
    assert "1. upgrade pkg:pypi/django to 4.2.8 on 1 asset in 1 agency: removes" in listed
    action_id = listed.split()[-1]
    done = crsa("triage", "set", action_id, "--status", "in_progress", "--owner", "bob")
    assert "(in_progress)" in done.stdout
    row = json.loads(crsa("triage", "list", "--json").stdout)
    assert (row["owner"], row["status"]) == ("bob", "in_progress")
    refused = crsa("triage", "set", action_id, "--accept-until", "2099-01-01", code=1)
    assert "needs a 'reason'" in refused.output
    assert "say what to change" in crsa("triage", "set", action_id, code=2).output
