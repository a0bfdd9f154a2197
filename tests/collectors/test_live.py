"""The collector against a real hub process on 127.0.0.1, on this very machine:
acceptance 1 (real dpkg packages, check results, findings from fixture advisories) and
acceptance 2 (the hub stops mid-run, the collector spools, every batch lands once)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from collectors.endpoint.delivery import Delivery, Spool
from collectors.endpoint.host import identify
from collectors.endpoint.packages import DpkgSource
from hub.core.store.sqlite import SqliteStore
from tests.supply.builders import osv, write_osv
from tests.test_served import CRSA, free_port, run, stop, wait_healthy

pytestmark = pytest.mark.slow


@dataclass
class Hub:
    home: Path
    url: str
    port: int
    token: str
    system: str
    proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        log = (self.home / "serve.log").open("a")
        self.proc = subprocess.Popen(
            [*CRSA, "--home", str(self.home), "serve", "--port", str(self.port), "--workers", "2"],
            stdout=log,
            stderr=log,
            text=True,
        )
        try:
            wait_healthy(self.url, self.proc, 60)
        except pytest.fail.Exception:
            log.flush()
            served = (self.home / "serve.log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"crsa serve did not come up; its log:\n{served[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None

    def get(self, path: str, **params: str) -> dict:  # type: ignore[type-arg]
        got = requests.get(
            f"{self.url}/api/v1{path}",
            params=params,
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert got.status_code == 200, got.text
        return got.json()  # type: ignore[no-any-return]

    def batches(self) -> list[str]:
        store = SqliteStore(self.home / "crsa.db")
        try:
            return [b.id for b in store.list_batches()]
        finally:
            store.close()


def installed_source_package() -> tuple[str, str]:
    """A source package really installed here, and its installed version."""
    me = identify(Path("/"))
    if me.distro.family != "debian":
        pytest.skip(f"this machine is {me.distro.id}, not a dpkg host")
    for p in DpkgSource().packages(Path("/"), me.distro):
        if "upstream=" not in p.purl and "/dpkg@" in p.purl:
            version = p.purl.split("@", 1)[1].split("?", 1)[0].replace("%2B", "+")
            return "dpkg", version
    pytest.fail("dpkg is not in the dpkg database")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    home = tmp_path / "hub"
    run(home, "init")
    agency = run(home, "org", "add", "Digital Agency", "--kind", "agency")
    system = run(home, "system", "add", "--org", agency, "Hosts")
    token = run(home, "token", "add", "--org", agency, "--role", "agency_submitter")
    name, version = installed_source_package()
    write_osv(
        tmp_path / "osv",
        osv(
            "CRSA-TEST-0001", "Debian:12", name, "0", version + "+crsa1", aliases=("CVE-2099-0001",)
        ),
    )
    run(home, "feeds", "add", "osv", str(tmp_path / "osv"))
    run(home, "feeds", "sync")
    port = free_port()
    h = Hub(home, f"http://127.0.0.1:{port}", port, token, system)
    h.start()
    yield h
    h.stop()


def collector(hub: Hub, spool: Path, *args: str) -> list[str]:
    return [
        *CRSA,
        "collect",
        "endpoint",
        "--hub",
        hub.url,
        "--token",
        hub.token,
        "--system",
        hub.system,
        "--spool",
        str(spool),
        *args,
    ]


def test_this_machine_reports_to_a_real_hub(hub: Hub, tmp_path: Path) -> None:
    done = subprocess.run(
        collector(hub, tmp_path / "spool", "--once"), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "delivered 1 new batch(es)" in done.stderr
    [asset] = hub.get("/assets", system_id=hub.system)["items"]
    packages = hub.get(f"/assets/{asset['id']}/packages")["items"]
    assert sum(p["purl"].startswith("pkg:deb/") for p in packages) > 100
    telemetry = hub.get(f"/assets/{asset['id']}/telemetry")
    statuses = {c["status"] for c in telemetry["checks"]}
    assert len(telemetry["checks"]) >= 12 and statuses <= {"pass", "fail", "not_applicable"}
    assert telemetry["processes"] and all("sha256" in p for p in telemetry["processes"])
    findings = hub.get("/findings", asset_id=asset["id"])["items"]
    # dpkg and every binary package built from its source (libdpkg-perl, ...) are affected.
    assert findings and {f["vuln_id"] for f in findings} == {"CVE-2099-0001"}
    assert any(f["purl"].startswith("pkg:deb/debian/dpkg@") for f in findings)


def test_batches_survive_a_stopped_hub_and_arrive_exactly_once(hub: Hub, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    log = (tmp_path / "collector.log").open("w")
    proc = subprocess.Popen(
        collector(hub, spool, "--interval", "1", "--runs", "10"), stdout=log, stderr=log, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while len(hub.batches()) < 2:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        hub.stop()
        while len(list(spool.glob("*.json.gz"))) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "nothing spooled"
            time.sleep(0.2)
        hub.start()
        assert proc.wait(timeout=300) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = (tmp_path / "collector.log").read_text()
    assert "hub unreachable" in output and "kept in" in output
    ids = hub.batches()
    assert len(ids) == 10 == len(set(ids)), output
    assert not list(spool.glob("*.json.gz"))

    store = SqliteStore(hub.home / "crsa.db")
    try:
        audit = [e for e in store.iter_audit() if e.action == "inventory.receive"]
    finally:
        store.close()
    assert sorted(str(e.detail["batch_id"]) for e in audit) == sorted(ids)


def test_a_batch_sent_again_is_stored_once(hub: Hub, tmp_path: Path) -> None:
    """The hub stored a batch but its answer was lost: the collector sends it again."""
    printed = subprocess.run(
        [*CRSA, "collect", "endpoint", "--system", hub.system, "--print"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    batch = json.loads(printed.stdout)
    spool = Spool(tmp_path / "spool")
    spool.put(batch)
    spool.put(batch)  # the same batch, twice: same idempotency key
    report = Delivery(hub.url, hub.token, spool).flush()
    assert (report.sent, report.duplicates, report.rejected) == (1, 1, [])
    assert hub.batches() == [batch["batch_id"]]


def test_the_collector_sends_no_secret_of_this_host(hub: Hub, tmp_path: Path) -> None:
    """Issue 17, item 4: the collector reported its own command line, `--token` and all.
    Now the token comes from a file (or the environment), `--token` warns, and every
    secret-looking value in a process's command line is scrubbed before it leaves."""
    secret_file = tmp_path / "token"
    secret_file.write_text(hub.token + "\n", encoding="utf-8")
    secret_file.chmod(0o600)
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "--password=hunter2",
         "https://bob:s3cr3tpw@example.invalid/x", f"{hub.token}"],
    )  # fmt: skip
    try:
        args = collector(hub, tmp_path / "spool", "--once")
        at = args.index("--token")
        args[at : at + 2] = ["--token-file", str(secret_file)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "warning: --token" not in done.stderr
        warned = subprocess.run(
            collector(hub, tmp_path / "spool2", "--once"), capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert "warning: --token on the command line" in warned.stderr
    finally:
        bystander.kill()
        bystander.wait()
    [asset] = hub.get("/assets", system_id=hub.system)["items"]
    telemetry = hub.get(f"/assets/{asset['id']}/telemetry")
    text = json.dumps(telemetry)
    for secret in (hub.token, hub.token[5:], "hunter2", "s3cr3tpw"):
        assert secret not in text
    shown = [p["cmdline"] for p in telemetry["processes"]]
    assert any("--password=*** https://bob:***@example.invalid/x" in c for c in shown), shown
    assert any("--token ***" in c for c in shown), shown  # the warned run's own line
