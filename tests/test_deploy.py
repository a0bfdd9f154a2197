"""The service install (deploy/): systemd units that systemd itself accepts and rates as
hardened, and the container file's install step (a wheel of exactly what it copies)
serving the hub, dashboards' assets included. No container runtime runs here, so the
image itself is not built (docs/operations.md says so)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from hub.core.settings import Settings
from tests.test_served import Served, free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SERVICES = ("crsa-hub.service", "crsa-hub-backup.service", "crsa-collect.service")
EXPOSURE_LIMIT = 30  # systemd-analyze's 0-100 scale: 3.0 is still "OK"


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing: install systemd to check the units")
        pytest.skip("no systemd-analyze here: the units are not checked")
    return found


def _units_here(folder: Path) -> list[Path]:
    """The units, with their programs pointed at this checkout's (verify checks that each
    ExecStart names an executable)."""
    crsa = Path(sys.executable).with_name("crsa")
    collect = folder / "crsa-collect"
    collect.write_text(f'#!/bin/sh\nexec {crsa} collect "$@"\n')
    collect.chmod(0o755)
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.[st][ei][rm]*")):
        text = unit.read_text()
        text = text.replace("/opt/crsa-hub/bin/crsa", str(crsa))
        text = text.replace("/opt/crsa-collector/bin/crsa-collect", str(collect))
        (folder / unit.name).write_text(text)
        units.append(folder / unit.name)
    return units


def test_the_units_pass_systemd_analyze_verify_and_are_hardened(tmp_path: Path) -> None:
    analyze = _analyze()
    units = _units_here(tmp_path)
    assert {u.name for u in units} >= {*SERVICES, "crsa-collect.timer", "crsa-hub-backup.timer"}
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
    for name in SERVICES:
        text = (tmp_path / name).read_text()
        for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths="):
            assert setting in text, (name, setting)
        assert re.search(r"^User=crsa", text, re.M), name
        rated = subprocess.run(
            [analyze, "security", "--offline=true", "--no-pager",
             f"--threshold={EXPOSURE_LIMIT}", str(tmp_path / name)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert rated.returncode == 0, rated.stdout[-600:]

    # The check is not silent: a unit systemd cannot parse fails it.
    broken = tmp_path / "crsa-hub.service"
    broken.write_text(broken.read_text().replace("ProtectSystem=strict", "ProtectSystem=maybe"))
    refused = subprocess.run(
        [analyze, "verify", "--man=no", str(broken)], capture_output=True, text=True
    )
    assert "ProtectSystem" in refused.stderr or "protect system" in refused.stderr


def _copied(containerfile: str) -> list[str]:
    """What the build stage copies from the repository."""
    copied: list[str] = []
    for line in containerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied += line.split()[1:-1]
    return copied


@pytest.mark.slow
def test_the_container_install_step_serves_the_hub_and_its_dashboards(tmp_path: Path) -> None:
    containerfile = (DEPLOY / "Containerfile").read_text()
    port = Settings().port
    assert f"EXPOSE {port}" in containerfile and f"CRSA_PORT={port}" in containerfile
    # The build context: exactly what the file copies.
    context = tmp_path / "context"
    context.mkdir()
    for name in _copied(containerfile):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, context / name)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--disable-pip-version-check", "-w", str(wheels), str(context)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(site),
         *map(str, wheels.glob("crsa_hub-*.whl"))],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    # The installed copy, not this checkout, is what runs (its dependencies are this venv's).
    env = {**os.environ, "PYTHONPATH": str(site), "CRSA_HOME": str(tmp_path / "data")}
    run = tmp_path / "run"
    run.mkdir()
    where = subprocess.run(
        [sys.executable, "-c", "import hub, dashboards; print(hub.__file__, dashboards.__file__)"],
        cwd=run, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert all(p.startswith(str(site)) for p in where.stdout.split()), where.stdout
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "init"], cwd=run, env=env, check=True, capture_output=True
    )
    port = free_port()
    proc = Served(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", "1"],
        tmp_path / "logs",
        env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 90)
        page = requests.get(f"{url}/ui/login", timeout=10)
        assert page.status_code == 200 and "/ui/assets/bootstrap.min.css" in page.text
        # The dashboards' own files (package data a wheel leaves out unless told).
        for asset in sorted((ROOT / "dashboards" / "assets").iterdir()):
            served = requests.get(f"{url}/ui/assets/{asset.name}", timeout=10)
            assert served.status_code == 200, asset.name
            assert served.content == asset.read_bytes(), asset.name
    finally:
        stop(proc)
