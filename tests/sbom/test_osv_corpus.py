"""Matching on real advisories: the PyPA (OSV YAML) and Go (OSV JSON) databases in the corpus.

An inventory of known-vulnerable versions finds the expected advisories; the same
inventory moved past every fix those advisories name finds none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.versions import parse
from hub.intelligence.advisory import Advisory
from hub.intelligence.match import AdvisoryIndex, Match, Skipped
from hub.intelligence.sources import OsvDirectorySource, SourceReport

pytestmark = pytest.mark.corpus

PYPI = ["django", "requests", "urllib3", "jinja2", "pyyaml", "pillow", "cryptography"]
VULNERABLE = {
    "pkg:pypi/django@3.2.19": "CVE-2023-36053",  # fixed in 3.2.20 (PYSEC-2023-100)
    "pkg:pypi/requests@2.28.1": "CVE-2023-32681",  # Proxy-Authorization leak, fixed in 2.31.0
    "pkg:pypi/urllib3@1.26.15": "CVE-2023-43804",  # Cookie header on redirect, fixed 1.26.17
    "pkg:pypi/jinja2@2.10": "CVE-2019-10906",  # sandbox escape, fixed in 2.10.1
    "pkg:pypi/pillow@9.5.0": "CVE-2023-44271",  # ImageFont DoS, fixed in 10.0.0
    "pkg:golang/golang.org/x/net@v0.7.0": "CVE-2023-39325",  # HTTP/2 rapid reset, fixed 0.17.0
    "pkg:golang/golang.org/x/crypto@v0.14.0": "CVE-2023-48795",  # Terrapin, fixed in 0.17.0
}


@pytest.fixture(scope="module")
def index(corpus: Path) -> tuple[AdvisoryIndex, dict[str, Advisory]]:
    report = SourceReport()
    advisories: dict[str, Advisory] = {}
    for name in PYPI:
        for a in OsvDirectorySource(corpus / "osv/pypa-advisory-database/vulns" / name).advisories(
            report
        ):
            advisories[a.id] = a
    for a in OsvDirectorySource(corpus / "osv/golang-vulndb").advisories(report):
        advisories[a.id] = a
    assert report.read > 4000 and not report.skipped, report.skipped[:3]
    return AdvisoryIndex(advisories.values()), advisories


def matches(index: AdvisoryIndex, purl: str) -> list[Match]:
    found = index.match(purl)
    assert not isinstance(found, Skipped), found
    return found


def past_every_fix(purl: str, found: list[Match], advisories: dict[str, Advisory]) -> str:
    """The purl at the highest version any matched advisory names as fixed for it."""
    head, _, version = purl.rpartition("@")
    fixes = []
    for match in found:
        for record in match.advisories:
            for affected in advisories[record].affected:
                for rng in (r for r in affected.ranges if r.type != "GIT"):
                    semver = rng.type == "SEMVER"
                    fixes += [
                        (parse(affected.ecosystem, e.version, semver=semver), e.version)
                        for e in rng.events
                        if e.kind == "fixed"
                    ]
    best = fixes[0]
    for fix in fixes[1:]:
        if best[0] < fix[0]:
            best = fix
    prefix = "v" if version.startswith("v") else ""
    return f"{head}@{prefix}{best[1]}"


def has_fix(advisory: Advisory) -> bool:
    return any(
        e.kind in ("fixed", "last_affected")
        for a in advisory.affected
        for r in a.ranges
        for e in r.events
    )


@pytest.mark.parametrize("purl", sorted(VULNERABLE))
def test_known_vulnerable_versions_find_their_advisories(
    index: tuple[AdvisoryIndex, dict[str, Advisory]], purl: str
) -> None:
    idx, _ = index
    found = matches(idx, purl)
    assert VULNERABLE[purl] in {m.primary_id for m in found} | {i for m in found for i in m.ids}
    # Aliases merged: no id appears in two matches.
    all_ids = [i for m in found for i in m.ids]
    assert len(all_ids) == len(set(all_ids))


@pytest.mark.parametrize("purl", sorted(VULNERABLE))
def test_the_same_packages_past_every_fix_find_none_of_them(
    index: tuple[AdvisoryIndex, dict[str, Advisory]], purl: str
) -> None:
    idx, advisories = index
    found = matches(idx, purl)
    fixed_purl = past_every_fix(purl, found, advisories)
    still = {r for m in matches(idx, fixed_purl) for r in m.advisories}
    before = {r for m in found for r in m.advisories}
    fixable = {r for r in before if has_fix(advisories[r])}
    assert fixable, "the chosen version should have fixable advisories"
    assert not fixable & still, f"{fixed_purl} still matches {sorted(fixable & still)}"
    # An advisory with no fix at all (e.g. an unmaintained package) must keep matching.
    assert before - fixable <= still


def test_withdrawn_advisories_never_match(corpus: Path) -> None:
    report = SourceReport()
    source = OsvDirectorySource(corpus / "osv/pypa-advisory-database/vulns")
    withdrawn = [a for a in source.advisories(report) if a.withdrawn]
    assert withdrawn, "the PyPA snapshot has withdrawn entries"
    idx = AdvisoryIndex(withdrawn)
    assert idx.count == 0
