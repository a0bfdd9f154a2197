"""Concurrent SBOM submissions against a real `crsa serve` (issue 17, item 3), on both
stores: exactly one SBOM is current per subject, whatever the interleaving; a refused
request writes nothing; the findings are those of the SBOM in force.

Before, the history was read outside the writing transaction: of three concurrent uploads
all three ended current, and a finding reconciled against a newer submission's raised
"last_seen is before first_seen" (422) after its SBOM had been stored and audited."""

from __future__ import annotations

import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from hub.core.records.intel import IntelSource
from hub.core.settings import Settings
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from tests.conftest import World, hub_env
from tests.supply.builders import cyclonedx, osv, write_osv
from tests.test_served import Served, free_port, stop, wait_healthy

pytestmark = pytest.mark.slow
WRITERS = 8
ROUNDS = 3


def _doc(n: int) -> bytes:
    """Submission n: every one shares lib0 (so findings are reconciled concurrently), and
    each adds a component of its own."""
    comps = [("lib0", "1.0", "pkg:pypi/lib0@1.0"), (f"lib{n}", "1.0", f"pkg:pypi/lib{n}@1.0")]
    return cyclonedx(comps, serial=f"urn:uuid:00000000-0000-4000-8000-{n:012d}")


def test_concurrent_submissions_leave_one_current_sbom(
    world: World, tmp_path: Path, settings: Settings
) -> None:
    docs = [osv(f"PYSEC-2026-{n}", "PyPI", f"lib{n}", "0", "2.0") for n in range(64)]
    register(world.store, IntelSource.OSV, str(write_osv(tmp_path / "osv", *docs)), "t", "t")
    refresh(world.store, settings, "t")
    port = free_port()
    # Its log in files (a pipe nobody read hid why an answer failed), read back when an
    # answer is not one of those expected.
    server = Served(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", "2"],
        tmp_path / "served", hub_env(world.store, tmp_path),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    headers = {**world.auth("agency_a"), "Content-Type": "application/vnd.cyclonedx+json"}
    path = f"{url}/api/v1/systems/{world.system_a}/sboms"
    try:
        wait_healthy(url, server, 120)
        statuses: Counter[int] = Counter()
        with ThreadPoolExecutor(WRITERS) as pool:
            for r in range(ROUNDS):
                batch = [1 + r * WRITERS + w for w in range(WRITERS)]
                answers = list(
                    pool.map(
                        lambda n: requests.post(path, data=_doc(n), headers=headers, timeout=120),
                        batch,
                    )
                )
                statuses.update(a.status_code for a in answers)
                for a in answers:
                    # 503: the store was busy
                    assert a.status_code in (201, 503), (a.text, server.err_file.read_text())
                now = world.store.list_sboms(subject=f"system:{world.system_a}", current=True)
                assert len(now) == 1, [(s.id, s.submitted_at) for s in now]
    finally:
        stop(server)
    stored = world.store.list_sboms(subject=f"system:{world.system_a}")
    audited = [e for e in world.store.iter_audit() if e.action == "sbom.submit"]
    assert len(stored) == len(audited) == statuses[201]  # a refusal wrote nothing
    [current] = [s for s in stored if s.current]
    assert current.matched
    purls = {p.purl for p in world.store.list_sbom_packages(current.id)}
    open_findings = {
        f.purl
        for f in world.store.list_findings(system_id=world.system_a, limit=1000)
        if f.status.value == "open"
    }
    assert open_findings == {p for p in purls if p.startswith("pkg:pypi/")}
