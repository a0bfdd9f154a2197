"""The data directory is the hub's alone, and key files are made once, whole (issue 17,
items 11 and 15)."""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import cast

from collectors import wire
from dashboards.session import session_key
from hub.core.keyfiles import key_file
from tests.test_served import free_port, stop, wait_healthy

CRSA = [sys.executable, "-m", "hub.cli"]
ROUNDS = 25
RACERS = 16


def _race(args: tuple[str, str, int]) -> str:
    home, which, _n = args
    try:
        if which == "session":
            return session_key(Path(home)).decode()
        return key_file(Path(home), "test.key", lambda: os.urandom(16).hex().encode()).decode()
    except Exception as exc:  # the test counts every failure
        return f"error: {type(exc).__name__}: {exc}"


def test_concurrent_starts_read_one_whole_key(tmp_path: Path) -> None:
    """Before, 800 concurrent starts gave FileExistsError 53 times and an empty key 38
    times; every racer must now read the same, whole key."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(RACERS) as pool:
        for which in ("session", "helper"):
            for n in range(ROUNDS):
                home = tmp_path / f"{which}-{n}"
                got = pool.map(_race, [(str(home), which, i) for i in range(RACERS)])
                assert len(set(got)) == 1, got
                assert got[0] and not got[0].startswith("error"), got[0]
                keys = home / "keys"
                assert [p.name for p in keys.iterdir()] == [
                    "session.key" if which == "session" else "test.key"
                ]  # no temporary file left behind


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_private_whatever_the_umask(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    env = {**os.environ, "CRSA_HOME": str(home)}
    loose = "umask 000 && exec " + " ".join(CRSA)

    def crsa(*args: str) -> str:
        done = subprocess.run(
            ["sh", "-c", f"{loose} {' '.join(args)}"], env=env, capture_output=True, text=True,
            check=True, timeout=300,
        )  # fmt: skip
        return done.stdout.strip()

    crsa("init")
    ops = crsa("org", "add", "Ops", "--kind", "operator")
    crsa("token", "add", "--org", ops, "--role", "admin")
    crsa("export", "create", "--out", str(home / "exports" / "a"))
    port = free_port()
    server = subprocess.Popen(
        ["sh", "-c", f"{loose} serve --port {port} --workers 1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, 120)
    finally:
        stop(server)
    # A data directory made by hand with loose modes is tightened when the hub opens it.
    found = [home, *home.rglob("*")]
    assert {p.name for p in found} >= {
        "crsa.db",
        "crsa.toml",
        "export-ed25519.pem",
        "manifest.json",
    }
    loose_ones = [
        (str(p.relative_to(tmp_path)), oct(_mode(p)))
        for p in found
        if _mode(p) != (0o700 if p.is_dir() else 0o600)
    ]
    assert loose_ones == []


def test_a_loose_database_file_is_tightened_on_open(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    subprocess.run([*CRSA, "--home", str(home), "init"], check=True, capture_output=True)
    (home / "crsa.db").chmod(0o644)
    subprocess.run([*CRSA, "--home", str(home), "org", "list"], check=True, capture_output=True)
    assert _mode(home / "crsa.db") == 0o600


def test_the_collector_spool_is_private(tmp_path: Path) -> None:
    from collectors.endpoint.delivery import Spool

    old = os.umask(0)
    try:
        spool = Spool(tmp_path / "spool")
        spool.put(cast(wire.Inventory, {"batch_id": "b1"}))
    finally:
        os.umask(old)
    assert _mode(tmp_path / "spool") == 0o700
    assert [_mode(p) for p in (tmp_path / "spool").iterdir()] == [0o600]
