"""SBOM intake killed between its writes, then restarted: the findings come out exactly as
an uninterrupted run's (issue 17, item 1), on both stores.

Before, a kill after the SBOM was stored left it current with no findings for good: the
same document again answered "unchanged", and no feed sync repaired it. The SBOM is now
stored `matched=False` until its findings are written, and a restart (`crsa serve`), a
`crsa sbom resume`, a feed sync or the same document submitted again finishes the work."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.core import crashpoints
from hub.core.auth import Principal
from hub.core.model import Criticality
from hub.core.records.intel import IntelSource
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store.interface import SBOMS
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from sbom.desk import SbomDesk
from tests.conftest import World, hub_env
from tests.supply.builders import cyclonedx, osv, write_osv
from tests.test_served import free_port, stop, wait_healthy

pytestmark = pytest.mark.slow
CRSA = [sys.executable, "-m", "hub.cli"]
VULNERABLE = 40


def _document() -> bytes:
    """600 components, 40 of them with an advisory each."""
    comps = [(f"lib{n}", "1.0", f"pkg:pypi/lib{n}@1.0") for n in range(600)]
    return cyclonedx(comps, serial="urn:uuid:7e671687-395b-41f5-a30f-a58921a69b79")


def _findings(world: World, system_id: str) -> set[tuple[str, str, str, str]]:
    return {
        (f.purl, f.vuln_id, f.status.value, f.severity.value)
        for f in world.store.list_findings(system_id=system_id, limit=10_000)
    }


@pytest.fixture
def advisories(world: World, tmp_path: Path, settings: Settings) -> None:
    docs = [osv(f"PYSEC-2026-{n}", "PyPI", f"lib{n}", "0", "2.0") for n in range(VULNERABLE)]
    register(world.store, IntelSource.OSV, str(write_osv(tmp_path / "osv", *docs)), "t", "t")
    refresh(world.store, settings, "t")


def _system(world: World, name: str) -> str:
    root = Principal.operator("tests")
    return (
        Registry(world.store)
        .add_system(root, world.agency_a, name, Criticality.HIGH, False, "", "t")
        .value.id
    )


def _killed_submission(world: World, home: Path, doc: Path, system_id: str, point: str) -> None:
    env = hub_env(world.store, home, CRSA_CRASH_AT=point)
    done = subprocess.run(
        [*CRSA, "sbom", "submit", str(doc), "--system", system_id],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)
    [record] = world.store.list_sboms(subject=f"system:{system_id}")
    assert record.current and not record.matched  # stored, its work recorded as pending


@pytest.mark.usefixtures("advisories")
def test_a_kill_mid_submission_is_finished_on_restart(
    world: World, tmp_path: Path, settings: Settings
) -> None:
    data = _document()
    doc = tmp_path / "bom.cdx.json"
    doc.write_bytes(data)
    reference = _system(world, "uninterrupted")
    root = Principal.operator("tests")
    SbomDesk(world.store, settings).submit_for_system(
        root, reference, data, "application/vnd.cyclonedx+json", "t"
    )
    expected = _findings(world, reference)
    assert len(expected) == VULNERABLE

    # Killed before any finding was written; the same document again finishes it.
    first = _system(world, "killed after storing")
    _killed_submission(world, tmp_path, doc, first, crashpoints.SBOM_STORED)
    assert _findings(world, first) == set()
    again = subprocess.run(
        [*CRSA, "sbom", "submit", str(doc), "--system", first],
        env=hub_env(world.store, tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"{VULNERABLE} findings opened" in again.stderr
    assert _findings(world, first) == expected

    # Killed after the findings, before the SBOM was marked matched: `crsa sbom resume`.
    second = _system(world, "killed after matching")
    _killed_submission(world, tmp_path, doc, second, crashpoints.SBOM_FINDINGS_WRITTEN)
    resumed = subprocess.run(
        [*CRSA, "sbom", "resume"],
        env=hub_env(world.store, tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "1 submission(s) finished" in resumed.stdout
    assert _findings(world, second) == expected

    # Killed before matching, then the hub restarts: `crsa serve` finishes it first.
    third = _system(world, "killed, hub restarted")
    _killed_submission(world, tmp_path, doc, third, crashpoints.SBOM_STORED)
    port = free_port()
    server = subprocess.Popen(
        [*CRSA, "serve", "--port", str(port), "--workers", "1"],
        env=hub_env(world.store, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, 120)
    finally:
        stop(server)
    assert _findings(world, third) == expected
    assert not list(world.store.iter_all(SBOMS, matched=False))
