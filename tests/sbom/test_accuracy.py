"""Matching accuracy, case by case: each expectation follows the ecosystem's own version rules
(PEP 440, SemVer 2.0.0, Maven's ComparableVersion, Debian policy 5.6.12, rpmvercmp, apk,
RubyGems, NuGet, Go module versions), not string order."""

from __future__ import annotations

import pytest

from hub.intelligence.advisory import Affected, Event, Range
from hub.intelligence.affected import is_affected

# (ecosystem, events as "kind=version" strings, version, expected, why)
Case = tuple[str, str, str, bool, str]


CASES: list[Case] = [
    # PyPI: PEP 440
    ("PyPI", "introduced=0 fixed=4.2.8", "4.2.7", True, "below the fix"),
    ("PyPI", "introduced=0 fixed=4.2.8", "4.2.8", False, "the fix itself"),
    (
        "PyPI",
        "introduced=0 fixed=4.2.8",
        "4.2.8rc1",
        True,
        "a pre-release sorts before its release",
    ),
    (
        "PyPI",
        "introduced=0 fixed=4.2.8",
        "4.2.8.dev1",
        True,
        "a dev release sorts before pre-releases",
    ),
    (
        "PyPI",
        "introduced=0 fixed=4.2.8",
        "4.2.7.post1",
        True,
        "a post-release of 4.2.7 is still before 4.2.8",
    ),
    (
        "PyPI",
        "introduced=0 fixed=4.2.8",
        "4.2.8.post1",
        False,
        "a post-release of the fix is after it",
    ),
    (
        "PyPI",
        "introduced=0 fixed=4.2.8",
        "4.2.7+ubuntu1",
        True,
        "a local version sorts just after its public one",
    ),
    ("PyPI", "introduced=0 fixed=4.2.8", "4.2.8+local.2", False, "a local build of the fix"),
    ("PyPI", "introduced=0 fixed=4.2.8", "4.2.10", False, "numeric, not string, order"),
    ("PyPI", "introduced=2.0 fixed=2.0.5", "1.9", False, "before introduced"),
    ("PyPI", "introduced=2.0 fixed=2.0.5", "2.0.0", True, "2.0.0 equals 2.0 (zero padding)"),
    ("PyPI", "introduced=2.0 fixed=2.0.5", "2.0.4", True, "inside"),
    ("PyPI", "introduced=0 last_affected=3.1.2", "3.1.2", True, "last_affected is inclusive"),
    ("PyPI", "introduced=0 last_affected=3.1.2", "3.1.2.post1", False, "after last_affected"),
    (
        "PyPI",
        "introduced=0 last_affected=3.1.2",
        "3.1.3a1",
        False,
        "a pre-release of a later version",
    ),
    ("PyPI", "introduced=0 fixed=2.0", "1!1.0", False, "an epoch outranks everything after it"),
    (
        "PyPI",
        "introduced=1.0 fixed=1.5 introduced=2.0 fixed=2.3",
        "1.7",
        False,
        "between two ranges",
    ),
    (
        "PyPI",
        "introduced=1.0 fixed=1.5 introduced=2.0 fixed=2.3",
        "2.2",
        True,
        "in the second range",
    ),
    ("PyPI", "introduced=0 fixed=1.0 limit=0.9", "0.9.5", False, "at or over the limit"),
    ("PyPI", "introduced=0 fixed=1.0 limit=0.9", "0.8", True, "under the limit"),
    # npm: SemVer 2.0.0
    ("npm", "introduced=0 fixed=4.17.21", "4.17.20", True, "below the fix"),
    ("npm", "introduced=0 fixed=4.17.21", "4.17.21", False, "the fix"),
    (
        "npm",
        "introduced=0 fixed=4.17.21",
        "4.17.21-beta.1",
        True,
        "a prerelease precedes its release",
    ),
    ("npm", "introduced=2.0.0 fixed=2.3.1", "2.10.0", False, "numeric order: 2.10.0 > 2.3.1"),
    ("npm", "introduced=2.0.0 fixed=2.3.1", "2.3.0", True, "inside"),
    ("npm", "introduced=2.0.0 fixed=2.3.1", "1.9.9", False, "before introduced"),
    ("npm", "introduced=1.0.0-alpha.1 fixed=1.0.0-beta", "1.0.0-alpha", False, "alpha < alpha.1"),
    (
        "npm",
        "introduced=1.0.0-alpha.1 fixed=1.0.0-beta",
        "1.0.0-alpha.beta",
        True,
        "alpha.1 < alpha.beta",
    ),
    ("npm", "introduced=1.0.0-alpha.1 fixed=1.0.0-beta", "1.0.0-beta", False, "the fix"),
    (
        "npm",
        "introduced=0 fixed=1.0.0-rc.11",
        "1.0.0-rc.2",
        True,
        "numeric prerelease parts: 2 < 11",
    ),
    ("npm", "introduced=0 last_affected=0.21.1", "0.21.1", True, "last_affected is inclusive"),
    # Maven: ComparableVersion
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "2.14.1", True, "log4shell range"),
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "2.15.0", False, "the fix"),
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "2.0-beta9", True, "introduced is inclusive"),
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "2.0-beta8", False, "an earlier beta"),
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "2.0", True, "the release follows its betas"),
    ("Maven", "introduced=2.0-beta9 fixed=2.15.0", "1.2.17", False, "the 1.x line"),
    ("Maven", "introduced=0 fixed=1.0", "1.0-SNAPSHOT", True, "a snapshot precedes its release"),
    (
        "Maven",
        "introduced=0 fixed=1.0",
        "1.0-RC1",
        True,
        "a release candidate precedes its release",
    ),
    ("Maven", "introduced=0 fixed=1.0", "1.0.RELEASE", False, "'release' equals the bare version"),
    ("Maven", "introduced=0 fixed=1.0", "1.0-sp1", False, "a service pack follows the release"),
    ("Maven", "introduced=0 fixed=2.13.4.2", "2.9.10.8", True, "numeric segments: 9 < 13"),
    ("Maven", "introduced=0 fixed=1.0-beta", "1.0-alpha-1", True, "alpha < beta"),
    ("Maven", "introduced=0 fixed=30.0-jre", "32.0.0-jre", False, "guava's -jre releases"),
    # Go: module versions (SEMVER ranges in the Go database, without the leading v)
    ("Go", "introduced=0 fixed=0.17.0", "v0.7.0", True, "a purl's v prefix is not a version part"),
    ("Go", "introduced=0 fixed=0.17.0", "v0.17.0", False, "the fix"),
    ("Go", "introduced=0 fixed=0.17.0", "v0.23.0", False, "numeric order: 23 > 17"),
    (
        "Go",
        "introduced=0 fixed=3.0.0-20220521103104-8f96da9f5d5e",
        "v3.0.0-20210107192922-496545a6307b",
        True,
        "an older pseudo-version",
    ),
    (
        "Go",
        "introduced=0 fixed=3.0.0-20220521103104-8f96da9f5d5e",
        "v3.0.1",
        False,
        "a release after the fixing pseudo-version",
    ),
    ("Go", "introduced=0 fixed=1.10.0", "v1.9.1", True, "9 < 10"),
    (
        "Go",
        "introduced=1.2.0 fixed=1.2.5",
        "v1.2.0-rc.1",
        False,
        "a prerelease of the introducing version",
    ),
    # Debian: epochs, tildes, revisions
    (
        "Debian:12",
        "introduced=0 fixed=3.0.11-1~deb12u2",
        "3.0.11-1~deb12u1",
        True,
        "an older stable update",
    ),
    ("Debian:12", "introduced=0 fixed=3.0.11-1~deb12u2", "3.0.11-1~deb12u2", False, "the fix"),
    (
        "Debian:12",
        "introduced=0 fixed=3.0.11-1~deb12u2",
        "3.0.11-1",
        False,
        "~ sorts before anything: 1~deb12u2 < 1",
    ),
    ("Debian:12", "introduced=0 fixed=3.0.11-1~deb12u2", "3.0.9-1", True, "an older upstream"),
    (
        "Debian:12",
        "introduced=0 fixed=2.0",
        "1:1.0",
        False,
        "an epoch outranks the upstream version",
    ),
    (
        "Debian:12",
        "introduced=0 fixed=1.0",
        "1.0~rc1",
        True,
        "a tilde pre-release precedes the release",
    ),
    ("Debian:12", "introduced=0 fixed=1.0-1+b1", "1.0-1", True, "a binNMU follows its revision"),
    ("Debian:12", "introduced=0 fixed=2.36-9+deb12u4", "2.36-9+deb12u3", True, "u3 < u4"),
    (
        "Debian:12",
        "introduced=0 fixed=2.36-9+deb12u4",
        "2.36-9+deb12u10",
        False,
        "u10 > u4, numerically",
    ),
    (
        "Ubuntu:22.04",
        "introduced=0 fixed=3.0.2-0ubuntu1.12",
        "3.0.2-0ubuntu1.10",
        True,
        "Ubuntu revisions",
    ),
    # RPM
    ("Red Hat", "introduced=0 fixed=3.0.7-25.el9_3", "3.0.7-24.el9", True, "an older release"),
    ("Red Hat", "introduced=0 fixed=3.0.7-25.el9_3", "3.0.7-27.el9", False, "a later release"),
    ("Red Hat", "introduced=0 fixed=3.0.8-1", "1:3.0.7-1", False, "an epoch outranks the version"),
    (
        "Red Hat",
        "introduced=0 fixed=2.34-100.el9",
        "2.34-83.el9_3.7",
        True,
        "83 < 100, numerically",
    ),
    ("Red Hat", "introduced=0 fixed=1.0-1", "1.0~rc1-1", True, "a tilde sorts first in rpm too"),
    # Alpine (apk)
    ("Alpine:v3.19", "introduced=0 fixed=1.36.1-r19", "1.36.1-r15", True, "r15 < r19"),
    ("Alpine:v3.19", "introduced=0 fixed=3.1.4-r5", "3.1.6-r0", False, "a later upstream"),
    ("Alpine:v3.19", "introduced=0 fixed=1.0", "1.0_rc1", True, "_rc precedes the release"),
    ("Alpine:v3.19", "introduced=0 fixed=1.0", "1.0_p1", False, "_p (patch) follows the release"),
    ("Alpine:v3.19", "introduced=0 fixed=8.9.0-r0", "8.5.0-r0", True, "an older upstream"),
    # RubyGems
    ("RubyGems", "introduced=0 fixed=1.15.4", "1.13.10", True, "13 < 15"),
    (
        "RubyGems",
        "introduced=0 fixed=1.0.0",
        "1.0.0.pre",
        True,
        "a letter segment makes a prerelease",
    ),
    ("RubyGems", "introduced=0 fixed=1.0.0", "1.0.0.rc1", True, "rc precedes the release"),
    ("RubyGems", "introduced=0 fixed=2.2.8.1", "2.2.6.4", True, "four segments"),
    ("RubyGems", "introduced=0 fixed=2.2.8.1", "3.0.11", False, "a later major"),
    # NuGet
    ("NuGet", "introduced=0 fixed=13.0.1", "12.0.3", True, "below the fix"),
    ("NuGet", "introduced=0 fixed=13.0.1", "13.0.3", False, "above the fix"),
    ("NuGet", "introduced=0 fixed=1.0.0", "1.0.0-beta", True, "a prerelease precedes its release"),
    ("NuGet", "introduced=4.0.0 fixed=4.7.2", "4.7.1", True, "inside"),
    # crates.io: SemVer
    ("crates.io", "introduced=0.10.0 fixed=0.10.55", "0.10.45", True, "45 < 55"),
    ("crates.io", "introduced=0.10.0 fixed=0.10.55", "0.10.64", False, "above the fix"),
    ("crates.io", "introduced=0 fixed=1.0.0", "1.0.0-alpha", True, "a prerelease"),
    ("crates.io", "introduced=0.2.0 fixed=0.3.0", "0.1.45", False, "before introduced"),
]


def entry(
    ecosystem: str, events: str, rtype: str = "ECOSYSTEM", versions: tuple[str, ...] = ()
) -> Affected:
    parsed = tuple(Event(*e.split("=", 1)) for e in events.split())
    return Affected(ecosystem, "pkg", (Range(rtype, parsed),), versions)


def test_the_table_is_broad_enough() -> None:
    assert len(CASES) >= 80
    assert len({c[0].split(":")[0] for c in CASES}) >= 8


@pytest.mark.parametrize(
    ("ecosystem", "events", "version", "expected", "why"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[1]}" for c in CASES],
)
def test_version_against_range(
    ecosystem: str, events: str, version: str, expected: bool, why: str
) -> None:
    assert is_affected(entry(ecosystem, events), version) is expected, why


def test_explicit_versions_match_by_the_ecosystems_equality() -> None:
    listed = Affected("PyPI", "pkg", (), ("1.0", "1.1"))
    assert is_affected(listed, "1.0.0")
    assert is_affected(listed, "1.1")
    assert not is_affected(listed, "1.2")


def test_git_ranges_are_not_evaluated_against_versions() -> None:
    assert not is_affected(entry("PyPI", "introduced=0 fixed=abc123", "GIT"), "1.0")


def test_semver_ranges_use_semver_in_any_ecosystem() -> None:
    assert is_affected(entry("Go", "introduced=0 fixed=1.4.0", "SEMVER"), "v1.3.9")
    assert not is_affected(entry("Go", "introduced=0 fixed=1.4.0", "SEMVER"), "v1.4.0")
