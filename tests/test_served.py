"""The hub as users run it: real processes, real gunicorn, real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

CRSA = [sys.executable, "-m", "hub.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(url: str, proc: subprocess.Popen[str], seconds: float) -> float:
    """Seconds until /healthz answered 200; fails with the server's output otherwise."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"server exited {proc.returncode}:\n{out}\n{err}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - start
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still opening its store
        time.sleep(0.2)
    proc.kill()
    out, err = proc.communicate()
    pytest.fail(f"no healthy answer within {seconds} s:\n{out}\n{err}")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Served(subprocess.Popen[str]):
    """A served hub writing its output to files, not pipes: the hub logs every request,
    and a pipe nobody reads until the end fills up and stops the server mid-test.
    `communicate()` waits and answers (stdout, stderr) as for pipes."""

    def __init__(self, argv: list[str], logs: Path, env: dict[str, str]) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.out_file, self.err_file = logs / "stdout.log", logs / "stderr.log"
        with self.out_file.open("w") as out, self.err_file.open("w") as err:
            super().__init__(argv, stdout=out, stderr=err, text=True, env=env)

    def communicate(
        self, input: str | None = None, timeout: float | None = None
    ) -> tuple[str, str]:
        self.wait(timeout)
        return self.out_file.read_text(), self.err_file.read_text()


def serve(home: Path, workers: int = 2, **env: str) -> tuple[subprocess.Popen[str], str]:
    """`crsa serve` for `home` on a free port, with extra CRSA_* settings; (process, url)."""
    port = free_port()
    proc = Served(
        [*CRSA, "--home", str(home), "serve", "--port", str(port), "--workers", str(workers)],
        home.parent / f"serve-{port}",
        {**os.environ, **env},
    )
    return proc, f"http://127.0.0.1:{port}"


def run(home: Path, *args: str) -> str:
    done = subprocess.run(
        [*CRSA, "--home", str(home), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`crsa serve` on a hub set up through the CLI; yields (url, admin token)."""
    home = tmp_path / "hub"
    run(home, "init")
    op = run(home, "org", "add", "Ops", "--kind", "operator")
    admin = run(home, "token", "add", "--org", op, "--role", "admin")
    proc, url = serve(home, CRSA_MAX_REQUEST_BYTES="4096")
    try:
        wait_healthy(url, proc, 60)
        yield url, admin
    finally:
        stop(proc)


@pytest.mark.slow
def test_serve_answers_with_a_production_server(served: tuple[str, str]) -> None:
    url, admin = served
    health = requests.get(f"{url}/healthz", timeout=5)
    assert health.json()["store"] == "sqlite"
    assert "gunicorn" in health.headers.get("Server", "").lower()
    me = requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {admin}"}, timeout=5)
    assert me.status_code == 200 and me.json()["role"] == "admin"
    assert requests.get(f"{url}/api/v1/me", timeout=5).status_code == 401


@pytest.mark.slow
def test_served_hub_refuses_big_bodies_with_and_without_length(served: tuple[str, str]) -> None:
    url, admin = served
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    body = b'{"name": "' + b"x" * 5000 + b'", "kind": "agency"}'
    sized = requests.post(f"{url}/api/v1/organizations", data=body, headers=headers, timeout=5)
    assert sized.status_code == 413 and "4096" in sized.json()["detail"]

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    chunked = requests.post(
        f"{url}/api/v1/organizations", data=chunks(), headers=headers, timeout=5
    )
    assert chunked.status_code == 413
    orgs = requests.get(f"{url}/api/v1/organizations", headers=headers, timeout=5).json()
    assert [o["name"] for o in orgs["items"]] == ["Ops"]


@pytest.mark.slow
def test_demo_is_healthy_within_90_seconds(tmp_path: Path) -> None:
    """Acceptance 1, minus the virtualenv build that `make demo` adds in front."""
    port = free_port()
    proc = subprocess.Popen(
        [*CRSA, "--home", str(tmp_path / "demo"), "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 90)
        token = None
        while token is None:  # the credentials are printed before the server starts
            line = proc.stdout.readline() if proc.stdout else ""
            if line.strip().startswith("soc_analyst"):
                token = line.split()[-1]
        systems = requests.get(
            f"{url}/api/v1/systems?limit=1000",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert systems.status_code == 200 and len(systems.json()["items"]) == 60
    finally:
        stop(proc)


@pytest.mark.slow
def test_served_hub_scores_changes_on_its_own_and_stops_its_scorer(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    run(home, "init")
    op = run(home, "org", "add", "Ops", "--kind", "operator")
    soc = run(home, "token", "add", "--org", op, "--role", "soc_analyst")
    agency = run(home, "org", "add", "Digital Agency", "--kind", "agency")
    proc, url = serve(home, workers=1, CRSA_SCORE_INTERVAL="1")
    headers = {"Authorization": f"Bearer {soc}"}

    def agency_score() -> dict[str, object] | None:
        got = requests.get(f"{url}/api/v1/scores/organization:{agency}", headers=headers, timeout=5)
        return got.json() if got.status_code == 200 else None

    try:
        wait_healthy(url, proc, 60)
        deadline = time.monotonic() + 30
        while agency_score() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        first = agency_score()
        assert first is not None and first["coverage"]["systems"] == 0  # type: ignore[index]
        run(home, "system", "add", "--org", agency, "e-Gov")  # a change, from another process
        while time.monotonic() < deadline:
            now = agency_score()
            if now is not None and now["coverage"]["systems"] == 1:  # type: ignore[index]
                break
            time.sleep(0.5)
        else:
            pytest.fail("the new system never reached the agency's score")
    finally:
        stop(proc)
    watchers = subprocess.run(
        ["pgrep", "-f", f"{home} score --watch"], capture_output=True, text=True, check=False
    )
    assert watchers.stdout.strip() == "", "the scorer outlived the server"


DEFAULT_INTERVALS = {
    "CRSA_SCORE_INTERVAL": "60",
    "CRSA_SHARING_INTERVAL": "300",
    "CRSA_PLAYBOOK_INTERVAL": "60",
}


def _children(pid: int) -> list[str]:
    """Command lines of the processes `pid` started (the watchers beside gunicorn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(cmdline)
    return found


@pytest.mark.slow
def test_serve_says_what_runs_and_each_part_can_be_switched_off(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    run(home, "init")
    port = free_port()
    proc = subprocess.Popen(
        [*CRSA, "--home", str(home), "serve", "--port", str(port), "--no-sharing",
         "--no-playbooks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **DEFAULT_INTERVALS},  # the tests' own settings turn them off
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 60)
        running = _children(proc.pid)
        home_page = requests.get(f"{url}/", allow_redirects=False, timeout=5)
    finally:
        stop(proc)
    _, err = proc.communicate()
    assert home_page.status_code == 302 and home_page.headers["Location"].endswith("/ui/")
    assert any(" score --watch -i 60" in c for c in running), running
    assert not any("sharing run" in c or "playbooks run" in c for c in running), running
    assert f"serving on http://127.0.0.1:{port}/" in err and "2 worker processes" in err
    assert "scoring: every 60 s (crsa score: incremental risk scores)" in err
    assert "sharing: off" in err and "playbooks: off" in err
    # Asked for, but its interval is 0: said, not silently ignored.
    refused = subprocess.run(
        [*CRSA, "--home", str(home), "serve", "--port", str(port), "--scoring"],
        capture_output=True,
        text=True,
        env={**os.environ, "CRSA_SCORE_INTERVAL": "0"},
        timeout=60,
    )
    assert refused.returncode == 2 and "--scoring needs an interval" in refused.stderr


def test_a_busy_port_is_refused_in_words_before_anything_starts(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    run(home, "init")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for args in (("serve", "--port", str(port)), ("demo", "--port", str(port))):
            where = home if args[0] == "serve" else tmp_path / "demo"
            done = subprocess.run(
                [*CRSA, "--home", str(where), *args], capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 1, done.stderr
            assert f"cannot serve on 127.0.0.1:{port}" in done.stderr
            assert "--port N" in done.stderr and "make demo PORT=N" in done.stderr
            assert "Traceback" not in done.stderr and "serving on" not in done.stderr
            assert "building the demo hub" not in done.stderr  # refused before minutes of work
