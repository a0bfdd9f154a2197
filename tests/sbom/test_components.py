"""Components out of real SBOMs, as canonical purls; what cannot be identified, with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packageurl import PackageURL

from sbom.components import (
    Component,
    Coverage,
    SkippedComponent,
    from_cyclonedx_json,
    from_cyclonedx_xml,
    from_spdx,
    purl_from_cpe,
)
from sbom.spdx import parse_spdx
from sbom.validate import (
    InvalidSbom,
    UnsupportedSbom,
    validate_cyclonedx_json,
    validate_cyclonedx_xml,
)


@pytest.mark.corpus
def test_real_cyclonedx_sboms_yield_canonical_purls(corpus: Path) -> None:
    totals = {}
    for path in sorted((corpus / "cyclonedx/bom-examples/SBOM").rglob("bom.*")):
        try:
            if path.suffix == ".json":
                doc = json.loads(path.read_bytes())
                validate_cyclonedx_json(doc)
                components = from_cyclonedx_json(doc).components
            elif path.suffix == ".xml":
                version, tree = validate_cyclonedx_xml(path.read_bytes())
                components = from_cyclonedx_xml(tree, version).components
            else:
                continue
        except (InvalidSbom, UnsupportedSbom):
            continue  # refusals are covered by the validation tests
        totals[str(path.relative_to(corpus))] = len(components)
        for c in components:
            assert PackageURL.from_string(c.purl).to_string() == c.purl
    assert len(totals) >= 10
    assert sum(totals.values()) > 1000
    juice = [n for k, n in totals.items() if "juice-shop" in k]
    assert juice and min(juice) > 100


@pytest.mark.corpus
def test_spdx_packages_become_components(corpus: Path) -> None:
    document = parse_spdx(
        (corpus / "spdx/spdx-spec/v2.3/SPDXJSONExample-v2.3.spdx.json").read_bytes()
    )
    components, skipped, _ = from_spdx(document)
    assert len(components) + len(skipped) == 4
    assert all(isinstance(s, SkippedComponent) and s.reason for s in skipped)
    assert any(c.derived_from in ("purl", "cpe") for c in components)


def test_nested_components_purl_cpe_and_unidentified() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {
            "component": {"name": "portal", "version": "2.0", "purl": "pkg:generic/acme/portal@2.0"}
        },
        "components": [
            {
                "name": "Django",
                "version": "4.2.7",
                "purl": "pkg:PyPI/Django@4.2.7",
                "supplier": {"name": "DSF"},
                "components": [
                    {"name": "sqlparse", "version": "0.4.4", "purl": "pkg:pypi/sqlparse@0.4.4"}
                ],
            },
            {"name": "django-dup", "version": "4.2.7", "purl": "pkg:pypi/django@4.2.7"},
            {
                "name": "openssl",
                "version": "3.0.7",
                "cpe": "cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*",
            },
            {"name": "bad", "version": "1", "purl": "not a purl"},
            {"name": "mystery", "version": "1"},
        ],
    }
    components, skipped, coverage = from_cyclonedx_json(doc)
    assert [c.purl for c in components] == [
        "pkg:pypi/django@4.2.7",
        "pkg:pypi/sqlparse@0.4.4",
        "pkg:generic/openssl/openssl@3.0.7",
        "pkg:generic/acme/portal@2.0",
    ]
    assert components[0] == Component("pkg:pypi/django@4.2.7", "Django", "4.2.7", "DSF", "purl")
    assert components[2].derived_from == "cpe"
    assert [(s.name, s.reason.split(" ")[0]) for s in skipped] == [
        ("bad", "invalid"),
        ("mystery", "no"),
    ]
    # Seven entries: portal, Django, sqlparse, django-dup, openssl, bad, mystery.
    assert coverage == Coverage(total=7, supplier=1, name=7, version=7, identified=5)


@pytest.mark.parametrize(
    ("cpe", "purl"),
    [
        ("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "pkg:generic/apache/log4j@2.14.1"),
        ("cpe:/a:openbsd:openssh:9.2p1", "pkg:generic/openbsd/openssh@9.2p1"),
        ("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", None),
        ("cpe:2.3:a:*:thing:1.0:*:*:*:*:*:*:*", "pkg:generic/thing@1.0"),
        ("not-a-cpe", None),
    ],
)
def test_cpe_to_purl(cpe: str, purl: str | None) -> None:
    assert purl_from_cpe(cpe) == purl
