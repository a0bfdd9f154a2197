"""Running processes with the SHA-256 of their executables, within bounds.

Hashing is what lets the hub match processes against indicators, and also what
could make a collector a burden on a busy host; so each executable is hashed once
per run, files over `MAX_BYTES` are skipped, and at most `MAX_HASHES` are hashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from collectors.endpoint.redact import scrub

MAX_PROCESSES = 2000
MAX_HASHES = 400
MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Process:
    pid: int
    name: str
    exe: str
    sha256: str  # "" when not hashed (no access, too big, over the bound)
    uid: int | None
    cmdline: str


def _sha256(path: str) -> str:
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size > MAX_BYTES:
            return ""
        h = hashlib.sha256()
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return ""


def running(proc: Path = Path("/proc")) -> list[Process]:
    hashes: dict[str, str] = {}
    found: list[Process] = []
    for pid_dir in sorted(proc.glob("[0-9]*"), key=lambda p: int(p.name))[:MAX_PROCESSES]:
        try:
            name = (pid_dir / "comm").read_text().strip()
            cmdline = (
                (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
            uid = None
            for line in (pid_dir / "status").read_text().splitlines():
                if line.startswith("Uid:"):
                    uid = int(line.split()[1])
        except (OSError, ValueError):
            continue
        try:
            exe = str((pid_dir / "exe").readlink())
        except OSError:
            exe = ""  # a kernel thread, or not ours to see
        if exe and exe not in hashes and len(hashes) < MAX_HASHES:
            hashes[exe] = _sha256(exe)
        found.append(
            Process(
                int(pid_dir.name), name, exe, hashes.get(exe, ""), uid, scrub(cmdline.strip())[:500]
            )
        )
    return found
