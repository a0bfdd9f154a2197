"""Informational advisories (RustSec's unmaintained, unsound and notice records) are notices:
findings of severity `info`, listed apart from vulnerabilities and worth what the policy
says (nothing, by default), where they used to be open findings of unknown severity."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from hub.core.model import Severity, utcnow
from hub.core.records.intel import IntelSource
from hub.core.settings import Settings
from hub.core.store.interface import FINDINGS
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import score_hub
from tests.conftest import World
from tests.supply.builders import cyclonedx, osv, write_osv
from tests.supply.test_intake_api import post

CRATE = ("atty", "0.2.14", "pkg:cargo/atty@0.2.14")


def test_an_unmaintained_crate_is_a_notice_not_a_vulnerability(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    notice = osv("RUSTSEC-2024-0375", "crates.io", "atty", "0", "99.0.0")
    notice["database_specific"] = {"informational": "unmaintained"}
    del notice["affected"][0]["ranges"][0]["events"][1]  # no fixed version: never maintained
    flaw = osv("RUSTSEC-2021-0145", "crates.io", "atty", "0", "0.3.0", aliases=("CVE-2021-1",))
    register(world.store, IntelSource.OSV, str(write_osv(tmp_path / "o", notice, flaw)), "t", "t")
    refresh(world.store, settings, "t")
    sent = post(client, world, "agency_a", f"/api/v1/systems/{world.system_a}/sboms",
                cyclonedx([CRATE]))  # fmt: skip
    assert sent.status_code == 201, sent.get_json()
    found = {f.vuln_id: f for f in world.store.iter_all(FINDINGS, system_id=world.system_a)}
    assert found["RUSTSEC-2024-0375"].severity is Severity.INFO
    assert found["CVE-2021-1"].severity is Severity.UNKNOWN  # unrated, still a flaw
    records = {r.subject: r for r in score_hub(world.store, default_policy(), utcnow())}
    system = records[f"system:{world.system_a}"]
    parts = {
        f["detail"]: f["points"]
        for p in system.contributions["parts"]
        for f in p["factors"]
        if f["reason"] == "base"
    }
    assert parts == {"severity info": 0.0, "severity unknown": 3.0}
