"""Real VEX documents: every OpenVEX example of go-vex and vexctl, and CycloneDX's VEX use
cases, read into claims; what cannot be a VEX document is refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import InvalidSubmission
from sbom.intake import Limits, read_vex

pytestmark = pytest.mark.corpus
LIMITS = Limits(1 << 26, 100_000)


def test_openvex_examples(corpus: Path) -> None:
    files = [
        p
        for p in sorted((corpus / "openvex").rglob("*.json"))
        if b"openvex.dev/ns" in p.read_bytes()[:2000] and "spec" not in p.parts
    ]
    assert len(files) >= 10
    statuses: set[str] = set()
    refused = []
    for path in files:
        try:
            _, claims = read_vex(path.read_bytes(), "application/json", LIMITS)
        except InvalidSubmission as exc:
            refused.append(f"{path.name}: {exc.message}")
            continue
        assert claims, path
        assert all(c.vuln_id and c.state for c in claims)
        statuses |= {c.state for c in claims}
    assert len(refused) <= 2, refused  # test data with deliberately broken statements
    assert {"not_affected", "affected", "fixed", "under_investigation"} <= statuses


def test_cyclonedx_vex_use_cases(corpus: Path) -> None:
    files = sorted((corpus / "cyclonedx/bom-examples/VEX").rglob("*.json"))
    assert files
    states: set[str] = set()
    unexplained = []
    for path in files:
        try:
            _, claims = read_vex(path.read_bytes(), "application/vnd.cyclonedx+json", LIMITS)
        except InvalidSubmission as exc:
            # A use case without analyses (e.g. only affected versions) says so.
            if "no vulnerability analysis" not in exc.message and "not a valid" not in exc.message:
                unexplained.append(f"{path}: {exc.message}")
            continue
        states |= {c.state for c in claims}
    assert not unexplained
    assert "not_affected" in states
