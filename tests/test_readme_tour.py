"""The README's tour, run as a reader would paste it (issue 21: "the README tour runs as
written from a fresh clone"): its shell block, in a fresh directory holding the
repository's `.venv` and `examples/`, with bash stopping at the first failing command.
The only change is the port, a free one instead of 8050, so that the test never meets a
hub someone is running."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tour() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## A short tour") :]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, "the README's tour has no sh block"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    port = free_port()
    script = tour()
    assert script.count("8050") >= 1 and "crsa serve" in script
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSA_")}
    env["CRSA_PORT"] = str(port)  # crsa serve and crsa health; the curl line is rewritten
    done = subprocess.run(
        ["bash", "-c", "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
         + script.replace("8050", str(port))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-4000:]
    assert f"http://127.0.0.1:{port}/ is up" in said
    assert '"name":"e-Gov portal"' in said  # the API answered the curl
    assert "osv\t25 written of 25\texamples/osv" in said
    assert re.search(r"findings: [1-9]\d* opened", said), said[-4000:]
    assert "1. upgrade pkg:pypi/" in said  # the triage queue, worst first
    assert "OK audit-export: every file matches the signed manifest" in said
    assert "audit chain ok" in said
