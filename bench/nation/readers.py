"""What else a national hub does while the morning's reports arrive: partners read TAXII,
analysts watch the dashboards, and the feeds bring new advisories that re-match hosts.

Each runs in a thread of its own at a fixed pace, so the report cycle is measured with
them, and each records how long it took and whether its answer was right.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.dash.__main__ import analyst_calls
from bench.ingest.__main__ import osv_for
from bench.served import CRSA

TAXII = "application/taxii+json;version=2.1"


@dataclass
class Timings:
    """How long each call of one reader took, in ms, and how many failed."""

    ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.ms)
        out: dict[str, Any] = {"calls": len(ordered), "errors": len(self.errors)}
        if ordered:
            out["p50_ms"] = round(statistics.median(ordered), 1)
            out["p95_ms"] = round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1)
        if self.errors:
            out["first_error"] = self.errors[0][:300]
        return out


@contextmanager
def alongside(readers: dict[str, tuple[float, Callable[[], Any]]]) -> Iterator[dict[str, Timings]]:
    """Run each reader every `pace` seconds until the block ends; yield their timings.
    A reader's return value, if a dict, is kept as the call's detail."""
    stop = threading.Event()
    timings = {name: Timings() for name in readers}

    def loop(name: str, pace: float, call: Callable[[], Any]) -> None:
        while not stop.wait(pace):
            started = time.perf_counter()
            try:
                detail = call()
            except Exception as exc:
                timings[name].errors.append(f"{type(exc).__name__}: {exc}")
                continue
            timings[name].ms.append((time.perf_counter() - started) * 1000)
            if isinstance(detail, dict):
                timings[name].details.append(detail)

    threads = [
        threading.Thread(target=loop, args=(name, pace, call), daemon=True)
        for name, (pace, call) in readers.items()
    ]
    for t in threads:
        t.start()
    try:
        yield timings
    finally:
        stop.set()
        for t in threads:
            t.join()


class TaxiiReader:
    """A partner paging through a hub collection, 1,000 objects a page, round and round."""

    def __init__(self, collection_url: str, token: str) -> None:
        self.url = f"{collection_url}objects/"
        self.session = requests.Session()
        self.session.auth = ("partner", token)
        self.session.headers["Accept"] = TAXII
        # A connection per poll, as a partner's poller every few seconds would. The first
        # full run kept one alive between polls 2 s apart, gunicorn's keep-alive, and 33 of
        # its 447 polls were reset; 60 polls against an idle hub showed no reset either way,
        # so the race with the keep-alive is the likely cause, not a proven one.
        self.session.headers["Connection"] = "close"
        self.next: str | None = None

    def __call__(self) -> dict[str, Any]:
        params = {"limit": "1000", **({"next": self.next} if self.next else {})}
        got = self.session.get(self.url, params=params, timeout=120)
        if got.status_code != 200:
            raise RuntimeError(f"TAXII answered {got.status_code}: {got.text[:200]}")
        envelope = got.json()
        if not envelope.get("objects"):
            raise RuntimeError("a TAXII page came back empty")
        self.next = envelope.get("next")
        return {"objects": len(envelope["objects"])}


class DashboardReader:
    """A SOC analyst's browser: the national overview and an agency's page, refreshed."""

    def __init__(self, base: str, token: str, agencies: list[str], rng: random.Random) -> None:
        self.base = base
        self.session = requests.Session()
        page = self.session.get(f"{base}/ui/login", timeout=30).text
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        if found is None:
            raise SystemExit("the login page has no CSRF field")
        got = self.session.post(
            f"{base}/ui/login",
            data={"token": token, "csrf": found.group(1), "next": "/ui/"},
            allow_redirects=False,
            timeout=30,
        )
        if got.status_code != 302:
            raise SystemExit(f"dashboard login answered {got.status_code}")
        self.session.headers["X-CSRFToken"] = self.session.cookies["_csrf_token"]
        self.agencies = agencies
        self.rng = rng
        self.dependencies: list[dict[str, Any]] | None = None

    def _post(self, body: dict[str, Any]) -> None:
        got = self.session.post(f"{self.base}/ui/_dash-update-component", json=body, timeout=120)
        if got.status_code != 200:
            raise RuntimeError(f"callback {body['output']} answered {got.status_code}")

    def __call__(self) -> None:
        if self.dependencies is None:
            got = self.session.get(f"{self.base}/ui/_dash-dependencies", timeout=60)
            got.raise_for_status()
            self.dependencies = got.json()
        calls = analyst_calls(self.dependencies, self.rng.choice(self.agencies))
        self._post(calls["overview"])
        self._post(calls["agency_summary"])


def run_cli(home: Path, *args: str) -> tuple[str, float]:
    """`crsa ARGS` against the hub's home: (its stderr, the CPU seconds it used). Waited
    with wait4 for the child's own CPU, which Popen does not report."""
    with open(home / "cli.log", "w+") as err:
        proc = subprocess.Popen(
            [*CRSA, "--home", str(home), *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    if proc.returncode:
        raise RuntimeError(f"crsa {' '.join(args)} exited {proc.returncode}: {text[-500:]}")
    return text, usage.ru_utime + usage.ru_stime


class FeedUpdates:
    """The OSV feed gains advisories and `crsa feeds sync` runs, as its timer would: one
    advisory for a package of a national image (it reaches thousands of hosts), the
    others for packages of the long tail."""

    def __init__(self, home: Path, folder: Path, images: list[list[str]], pool: list[str]) -> None:
        self.home = home
        self.folder = folder
        self.images = images
        self.pool = pool
        self.rng = random.Random(11)
        self.serial = 50_000

    def add(self, purls: list[str]) -> None:
        for purl in purls:
            self.serial += 1
            advisory = osv_for(purl, self.serial, self.rng)
            (self.folder / f"{advisory['id']}.json").write_text(json.dumps(advisory))

    def __call__(self) -> dict[str, Any]:
        self.add([self.rng.choice(self.rng.choice(self.images))])
        self.add([self.rng.choice(self.pool) for _ in range(4)])
        started = time.perf_counter()
        text, cpu = run_cli(self.home, "feeds", "sync")
        matched = re.search(r"re-matched (\d+) SBOM\(s\) and (\d+) host\(s\)", text)
        return {
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(cpu, 2),
            "hosts_rematched": int(matched.group(2)) if matched else 0,
        }
