"""Issue 20, goal 6: crash safety at the new ingest speed. Collectors post at once into
`crsa serve` (two workers); the whole server is killed with SIGKILL mid-stream, started
again, and every batch is delivered again, as collectors do with what they spooled. No
acknowledged batch may be lost, none stored twice, and no host may be left with its batch
but without its findings (they commit together since issue 20)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from hub.core.model import FindingStatus
from hub.core.store.interface import FINDINGS
from hub.core.store.sqlite import SqliteStore
from tests.supply.builders import osv, write_osv
from tests.test_served import CRSA, free_port, run, wait_healthy

pytestmark = pytest.mark.slow

BOOKWORM = Distro("debian", "12", (), "Debian GNU/Linux 12 (bookworm)")
HOSTS = 90
VULNERABLE = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"


def image(n: int) -> list[str]:
    """Three images of 40 packages; image 0 runs the vulnerable libssl3, and every fifth
    host has a package of its own."""
    base = [f"pkg:deb/debian/lib{k}@1.{k}.0-1?arch=amd64&distro=debian-12" for k in range(40)]
    if n % 3 == 0:
        base[0] = VULNERABLE
    if n % 5 == 0:
        base.append(f"pkg:pypi/own{n}@1.0.0")
    return base


def start(home: Path, port: int) -> subprocess.Popen[str]:
    log = (home / "serve.log").open("a")
    proc = subprocess.Popen(
        [*CRSA, "--home", str(home), "serve", "--port", str(port), "--workers", "2"],
        stdout=log,
        stderr=log,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL reaches every worker
    )
    wait_healthy(f"http://127.0.0.1:{port}", proc, 60)
    return proc


def test_sigkill_during_concurrent_ingest_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    run(home, "init")
    agency = run(home, "org", "add", "Digital Agency", "--kind", "agency")
    system = run(home, "system", "add", "--org", agency, "Hosts")
    token = run(home, "token", "add", "--org", agency, "--role", "agency_submitter")
    write_osv(
        tmp_path / "osv",
        osv("DSA-9999-1", "Debian:12", "openssl", "0", "3.0.13-1~deb12u1", aliases=("CVE-2026-1",)),
    )
    run(home, "feeds", "add", "osv", str(tmp_path / "osv"))
    run(home, "feeds", "sync")

    now = datetime.now(UTC)
    bodies = {}
    for n in range(HOSTS):
        host = Host(f"host-{n:03d}", f"host-{n:03d}", BOOKWORM, "6.1.0", ())
        doc = document(system, host, [FoundPackage(p, "dpkg") for p in image(n)], collected_at=now)
        bodies[str(doc["batch_id"])] = json.dumps(doc).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/inventory"
    acknowledged: set[str] = set()
    lock = threading.Lock()

    def deliver(batch_id: str) -> None:
        try:
            got = requests.post(url, data=bodies[batch_id], headers=headers, timeout=60)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return  # the hub died under it: the collector keeps the batch and sends it again
        if got.status_code in (200, 201):
            with lock:
                acknowledged.add(batch_id)

    proc = start(home, port)
    try:
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(deliver, b) for b in bodies]
            deadline = time.monotonic() + 120
            while len(acknowledged) < HOSTS // 4:
                assert time.monotonic() < deadline, "no batch acknowledged"
                time.sleep(0.01)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            for f in futures:
                f.result()
        before_restart = set(acknowledged)
        assert HOSTS // 4 <= len(before_restart) < HOSTS, "the kill came too late to test"

        proc = start(home, port)
        # Collectors send again everything they hold, acknowledged or not.
        for batch_id in bodies:
            got = requests.post(url, data=bodies[batch_id], headers=headers, timeout=60)
            assert got.status_code in (200, 201), got.text
            if batch_id in before_restart:
                assert got.status_code == 200 and got.json()["duplicate"] is True
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    store = SqliteStore(home / "crsa.db")
    try:
        stored = [b.id for b in store.list_batches()]
        received = [
            str(e.detail["batch_id"]) for e in store.iter_audit() if e.action == "inventory.receive"
        ]
        findings = list(store.iter_all(FINDINGS, status=FindingStatus.OPEN.value))
        hosts = {b.asset_id for b in store.list_batches()}
    finally:
        store.close()
    assert sorted(stored) == sorted(bodies) and len(stored) == len(set(stored))
    assert sorted(received) == sorted(bodies)  # each batch audited once
    assert len(hosts) == HOSTS
    vulnerable = sum(1 for n in range(HOSTS) if n % 3 == 0)
    assert len(findings) == vulnerable == len({f.asset_id for f in findings})
    assert "audit chain ok" in run(home, "audit", "verify")
