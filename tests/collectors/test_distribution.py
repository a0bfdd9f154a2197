"""The agent ships light: `pip install ./collectors` into a fresh virtualenv gives a working
`crsa-collect` that reports to a real hub, in a few megabytes, without the hub in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collectors.test_live import Hub, hub
from tests.test_served import CRSA

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LIMIT = 25 * 1024 * 1024

__all__ = ["hub"]  # the live hub fixture, shared with test_live


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding the collector distribution and nothing else (not even pip: the
    test's own pip installs into it), built from a copy so the source tree stays clean."""
    base = tmp_path_factory.mktemp("agent")
    source = shutil.copytree(
        ROOT / "collectors", base / "src", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return venv


def test_the_agent_is_small_and_holds_no_hub(agent: Path, tmp_path: Path) -> None:
    assert _size(agent) < LIMIT, f"{_size(agent) / 2**20:.1f} MB"
    site = next((agent / "lib").glob("python3*/site-packages"))
    installed = sorted(p.name for p in site.iterdir() if not p.name.endswith(".dist-info"))
    for heavy in ("hub", "sbom", "dashboards", "playbooks", "pydantic", "flask", "dash"):
        assert heavy not in installed, installed
    # Run from elsewhere: the source tree must not be what gets imported.
    python = str(agent / "bin" / "python")
    refused = subprocess.run([python, "-c", "import hub"], cwd=tmp_path, capture_output=True)
    assert refused.returncode != 0 and b"No module named 'hub'" in refused.stderr
    found = subprocess.run(
        [python, "-c", "import collectors.wire as w; print(w.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert found.stdout.startswith(str(agent))


def test_crsa_collect_reports_to_a_hub_as_crsa_collect_did(
    agent: Path, hub: Hub, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"  # not the hub's home folder, which is named hub/
    elsewhere.mkdir()
    args = ["endpoint", "--once", "--hub", hub.url, "--token", hub.token, "--system", hub.system,
            "--spool", str(tmp_path / "spool")]  # fmt: skip
    done = subprocess.run(
        [str(agent / "bin" / "crsa-collect"), *args],
        cwd=elsewhere, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "delivered 1 new batch(es)" in done.stderr
    [asset] = hub.get("/assets", system_id=hub.system)["items"]
    packages = hub.get(f"/assets/{asset['id']}/packages")["items"]
    assert sum(p["purl"].startswith("pkg:deb/") for p in packages) > 100
    assert hub.get("/findings", asset_id=asset["id"])["items"]
    # The hub's own command is the same group: one more run is one more batch.
    again = subprocess.run([*CRSA, "collect", *args], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(hub.batches()) == 2


def test_writing_a_host_sbom_without_the_extra_says_what_to_install(
    agent: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(agent / "bin" / "crsa-collect"), "endpoint", "--print",
         "--sbom-out", str(tmp_path / "host.cdx.json")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "pip install 'crsa-collectors[sbom]'" in done.stderr
    assert "Traceback" not in done.stderr
