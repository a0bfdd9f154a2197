"""A document the hub does not read is named for what it is, in one sentence with what
the hub reads, when the user chose no format (issue 21, "SBOM format messages"): SPDX 3.0
JSON-LD is not called "not CycloneDX", a Trivy SPDX file (keys sorted, spdxVersion after
its packages) is not called "SPDX sent as CycloneDX", and spdx-tools' Python internals
never reach the user."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main

ACCEPTED = "the hub reads CycloneDX 1.2 to 1.6 (JSON or XML) and SPDX 2.2 or 2.3"
TRIVY = (
    "spdx/tools-python/spdx/data/invalid/spdx-trivy-vmware_log-intelligence-fluentd-sha256_"
    "086af034f561f343f633be9d9f9e95f65ae6c61b8ddb2c6755ef5bb25b40f53a.json"
)

Submit = Callable[..., str]


def crsa(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def submit(tmp_path: Path) -> Submit:
    home = tmp_path / "hub"
    assert crsa(home, "init").exit_code == 0
    agency = crsa(home, "org", "add", "Agency", "--kind", "agency").stdout.strip()
    system = crsa(home, "system", "add", "--org", agency, "Portal").stdout.strip()

    def run(path: Path, *extra: str) -> str:
        done = crsa(home, "sbom", "submit", str(path), "--system", system, *extra)
        assert done.exit_code == 1, done.output
        assert "Traceback" not in done.output
        return done.output

    return run


def test_spdx_3_without_a_format_is_named_as_spdx_3(submit: Submit, corpus: Path) -> None:
    said = submit(corpus / "spdx/spdx-spec/v3.0/package_sbom.json")
    assert "this is an SPDX 3.0 (JSON-LD) document, which the hub does not read" in said
    assert ACCEPTED in said
    assert "bomFormat" not in said


def test_a_trivy_spdx_file_is_read_as_spdx_and_its_errors_in_plain_words(
    submit: Submit, corpus: Path
) -> None:
    path = corpus / TRIVY
    assert path.read_bytes()[:65536].find(b'"spdxVersion"') == -1  # beyond the first look
    said = submit(path)
    assert "sent as CycloneDX" not in said
    assert "not a valid SPDX-2.2 document" in said
    assert "the time 2022-12-27T23:08:17.349368Z is not in SPDX's form" in said
    assert 'Package download_location: the value "None" is not allowed there (' in said
    for internal in ("SetterError", "typing.", "spdx_tools", "set_field"):
        assert internal not in said
    # The user who says it is CycloneDX is told it is not.
    chosen = submit(path, "--media-type", "application/vnd.cyclonedx+json")
    assert "this is an SPDX document sent as CycloneDX" in chosen


def test_json_that_is_no_sbom_says_so(submit: Submit, tmp_path: Path) -> None:
    report = tmp_path / "scan-report.json"
    report.write_text(json.dumps({"results": [], "padding": "x" * 70_000}))
    said = submit(report)
    assert "this JSON document is not an SBOM: it has neither bomFormat" in said
    assert ACCEPTED in said
