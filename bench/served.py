"""A `crsa serve` started for a benchmark, as deployed: gunicorn, its worker processes,
and a way to read the CPU the whole process tree has used.

The benchmarks that measure the served hub (ingest, nation) share this, so that they
start, wait for and stop it one way, and count its CPU one way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

CRSA = [sys.executable, "-m", "hub.cli"]
# Scoring, sharing and playbooks run beside a real hub; a benchmark that measures something
# else switches them off so that they take no CPU from the measure (bench/score measures
# scoring).
QUIET = {"CRSA_SCORE_INTERVAL": "0", "CRSA_SHARING_INTERVAL": "0", "CRSA_PLAYBOOK_INTERVAL": "0"}
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(root: int) -> float:
    """CPU used so far by `root` and every live process below it (gunicorn's workers)."""
    parents: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(int(entry))) is not None:
            parents[int(entry)] = found
    inside = {root}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _) in parents.items():
            if ppid in inside and pid not in inside:
                inside.add(pid)
                grew = True
    return sum(parents[pid][1] for pid in inside if pid in parents)


@dataclass(frozen=True)
class ServedHub:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.pid)


@contextmanager
def served_hub(home: Path, workers: int, env: dict[str, str]) -> Iterator[ServedHub]:
    """`crsa serve` on a free port of 127.0.0.1 with `env` on top of this process's, up
    and answering /healthz when the block starts, stopped when it ends."""
    port = free_port()
    log = home / "serve.log"  # a file, not a pipe: a long run must never block on its log
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [*CRSA, "--home", str(home), "serve", "--port", str(port), "--workers", str(workers)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"crsa serve exited: {log.read_text()[-4000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield ServedHub(port, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
