"""Signed auditor exports: a fresh export verifies offline; one changed byte, a missing or
an extra file, a forged manifest or another signer each fail, naming the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.risk.exports import auditor, signing


def crsa(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "hub"
    assert crsa(home, "init").exit_code == 0
    agency = crsa(home, "org", "add", "Digital Agency", "--kind", "agency").stdout.strip()
    crsa(home, "system", "add", "--org", agency, "e-Gov")
    out = tmp_path / "export"
    made = crsa(home, "export", "create", "--out", str(out))
    assert made.exit_code == 0, made.output
    assert "crsa export verify" in made.stderr and "signed by SHA256:" in made.stderr
    return home, out


def test_a_fresh_export_verifies_and_lists_its_evidence(exported: tuple[Path, Path]) -> None:
    home, out = exported
    ok = crsa(home, "export", "verify", str(out))
    assert ok.exit_code == 0 and "every file matches" in ok.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "scores.csv",
        "scores.json",
        "contributions.csv",
        "findings.csv",
        "findings.json",
        "inputs.json",
        "policy.yaml",
        "report.html",
    }
    assert manifest["policy_version"] == "2027.1" and manifest["audit_head"]["seq"] > 0
    scores = json.loads((out / "scores.json").read_text())
    assert {s["kind"] for s in scores} == {"organization", "system", "nation"}
    pinned = crsa(home, "export", "verify", str(out), "--key", manifest["public_key"])
    assert pinned.exit_code == 0
    again = crsa(home, "export", "create", "--out", str(out))
    assert again.exit_code == 1 and "not empty" in again.output


def test_one_changed_byte_fails_naming_the_file(exported: tuple[Path, Path]) -> None:
    home, out = exported
    data = bytearray((out / "scores.csv").read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    (out / "scores.csv").write_bytes(bytes(data))
    bad = crsa(home, "export", "verify", str(out))
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "FAIL scores.csv: changed since the export was signed" in bad.output


def test_missing_extra_forged_and_foreign_exports_fail(exported: tuple[Path, Path]) -> None:
    home, out = exported
    (out / "report.html").unlink()
    (out / "notes.txt").write_text("added later")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["scope"] = "organization:someone-else"
    (out / "manifest.json").write_text(json.dumps(manifest))
    bad = crsa(home, "export", "verify", str(out), "--key", "AAAA" + manifest["public_key"][4:])
    assert bad.exit_code == 1
    for expected in (
        "report.html: missing",
        "notes.txt: not part of the export",
        "manifest.json: the signature does not match",
        "manifest.json: signed by SHA256:",
    ):
        assert expected in bad.output


def test_recompute_catches_a_hub_that_signed_wrong_numbers(exported: tuple[Path, Path]) -> None:
    home, out = exported
    ok = crsa(home, "export", "verify", "--recompute", str(out))
    assert ok.exit_code == 0, ok.output
    assert "scores recomputed from its inputs, all equal" in ok.stdout

    # A hub (or anyone holding its key) that signs a number its inputs do not give.
    scores = json.loads((out / "scores.json").read_text())
    system = next(s for s in scores if s["kind"] == "system")
    system["points"] = 12.5
    (out / "scores.json").write_text(json.dumps(scores))
    manifest = json.loads((out / "manifest.json").read_text())
    body = {k: v for k, v in manifest.items() if k != "signature"}
    body["files"]["scores.json"] = hashlib.sha256((out / "scores.json").read_bytes()).hexdigest()
    body["signature"] = signing.sign(signing.hub_key(home), auditor._canonical(body))
    (out / "manifest.json").write_text(json.dumps(body))
    assert crsa(home, "export", "verify", str(out)).exit_code == 0  # the signature holds
    bad = crsa(home, "export", "verify", "--recompute", str(out))
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert f"FAIL scores.json: {system['subject']} says 12.5 points, recomputed 0" in bad.output
