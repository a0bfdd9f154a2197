"""SPDX 2.2 and 2.3 in JSON and tag-value through spdx-tools; 3.0 refused as unsupported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbom.spdx import parse_spdx
from sbom.validate import InvalidSbom, UnsupportedSbom

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize(
    "name",
    [
        "v2.2/SPDXJSONExample-v2.2.spdx.json",
        "v2.2/SPDXTagExample-v2.2.spdx",
        "v2.3/SPDXJSONExample-v2.3.spdx.json",
        "v2.3/SPDXTagExample-v2.3.spdx",
    ],
)
def test_the_specifications_examples_are_accepted(corpus: Path, name: str) -> None:
    document = parse_spdx((corpus / "spdx/spdx-spec" / name).read_bytes())
    assert document.creation_info.spdx_version == f"SPDX-{name[1:4]}"
    assert len(document.packages) == 4


def test_spdx_3_is_refused_as_unsupported(corpus: Path) -> None:
    twins = sorted((corpus / "spdx/spdx-examples").rglob("*spdx3*.json"))
    assert twins
    for path in [*twins[:5], corpus / "spdx/spdx-spec/v3.0/package_sbom.json"]:
        with pytest.raises(
            UnsupportedSbom, match=r"an SPDX 3\.0 \(JSON-LD\) document, which the hub does not read"
        ):
            parse_spdx(path.read_bytes())


def test_every_spdx_2_example_is_accepted_or_refused_with_its_violations(corpus: Path) -> None:
    accepted, unnamed = 0, []
    for path in sorted((corpus / "spdx/spdx-examples").rglob("*")):
        if path.suffix not in (".json", ".spdx") or "spdx3" in path.name:
            continue
        data = path.read_bytes()
        if path.suffix == ".json" and "@context" in json.loads(data):
            continue
        try:
            parse_spdx(data)
            accepted += 1
        except InvalidSbom as exc:
            if not exc.violations or not all(v.location and v.message for v in exc.violations):
                unnamed.append(path.name)
    assert accepted >= 10
    assert not unnamed, f"refused without named violations: {unnamed}"


def test_an_invalid_real_sbom_names_its_violations(corpus: Path) -> None:
    trivy = next((corpus / "spdx/tools-python/spdx/data/invalid").glob("*trivy*.json"))
    with pytest.raises(InvalidSbom) as err:
        parse_spdx(trivy.read_bytes())
    assert err.value.violations[0].message
