"""Purl to advisory-package naming, alias merging, and what cannot be judged."""

from __future__ import annotations

import pytest

from hub.core.ecosystems import OsvPackage, osv_package
from hub.intelligence.advisory import Advisory, MalformedAdvisory, parse_osv
from hub.intelligence.match import AdvisoryIndex, Match, Skipped


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        (
            "pkg:pypi/Django_REST.framework@3.14.0",
            OsvPackage("PyPI", "django-rest-framework", "3.14.0"),
        ),
        ("pkg:npm/%40babel/traverse@7.23.2", OsvPackage("npm", "@babel/traverse", "7.23.2")),
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            OsvPackage("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        ),
        ("pkg:golang/golang.org/x/net@v0.7.0", OsvPackage("Go", "golang.org/x/net", "v0.7.0")),
        ("pkg:cargo/tokio@1.18.2", OsvPackage("crates.io", "tokio", "1.18.2")),
        ("pkg:gem/rack@2.2.6.4", OsvPackage("RubyGems", "rack", "2.2.6.4")),
        ("pkg:nuget/Newtonsoft.Json@12.0.3", OsvPackage("NuGet", "Newtonsoft.Json", "12.0.3")),
        (
            "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12",
            OsvPackage("Debian", "openssl", "3.0.11-1~deb12u1"),
        ),
        (
            "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64",
            OsvPackage("Red Hat", "openssl", "3.0.7-24.el9"),
        ),
        ("pkg:apk/alpine/busybox@1.36.1-r15", OsvPackage("Alpine", "busybox", "1.36.1-r15")),
        # Binary packages are matched by their source package (Debian advisories name it).
        (
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl",
            OsvPackage("Debian", "openssl", "3.0.11-1~deb12u2"),
        ),
        (
            "pkg:deb/debian/libpam-modules@1.5.2-6+deb12u1?upstream=pam%401.5.2-6%2Bdeb12u1",
            OsvPackage("Debian", "pam", "1.5.2-6+deb12u1"),
        ),
    ],
)
def test_purls_map_to_how_advisories_name_packages(purl: str, expected: OsvPackage) -> None:
    assert osv_package(purl) == expected


def advisory(
    osv_id: str,
    aliases: list[str],
    name: str = "requests",
    fixed: str = "2.31.0",
    withdrawn: str | None = None,
) -> Advisory:
    doc = {
        "id": osv_id,
        "aliases": aliases,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    if withdrawn:
        doc["withdrawn"] = withdrawn
    return parse_osv(doc)


def test_aliases_merge_into_one_match() -> None:
    index = AdvisoryIndex(
        [
            advisory("PYSEC-2023-74", ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]),
            advisory("GHSA-j8r2-6x86-q33q", ["CVE-2023-32681"]),
            advisory("PYSEC-2099-1", ["CVE-2099-0001"], fixed="3.0"),
            advisory("PYSEC-2099-2", ["CVE-2099-0002"], withdrawn="2024-02-01T00:00:00Z"),
        ]
    )
    found = index.match("pkg:pypi/Requests@2.28.1")
    assert isinstance(found, list)
    assert [m.primary_id for m in found] == ["CVE-2023-32681", "CVE-2099-0001"]
    assert found[0] == Match(
        "pkg:pypi/Requests@2.28.1",
        frozenset({"PYSEC-2023-74", "CVE-2023-32681", "GHSA-j8r2-6x86-q33q"}),
        ("GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"),
        ("2.31.0",),
    )
    after_fix = index.match("pkg:pypi/requests@2.31.0")
    assert isinstance(after_fix, list)
    assert [m.primary_id for m in after_fix] == ["CVE-2099-0001"]


@pytest.mark.parametrize(
    ("purl", "reason"),
    [
        ("pkg:pypi/requests@not..a..version", "PyPI version"),
        ("pkg:hex/phoenix@1.7.0", "purl type 'hex'"),
        ("pkg:pypi/requests", "no version"),
        ("not-a-purl", "invalid purl"),
    ],
)
def test_what_cannot_be_judged_is_skipped_with_a_reason(purl: str, reason: str) -> None:
    index = AdvisoryIndex([advisory("PYSEC-2023-74", ["CVE-2023-32681"])])
    found = index.match(purl)
    assert isinstance(found, Skipped) and reason in found.reason


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"summary": "no id"}, "no id"),
        ({"id": "X-1", "affected": [{"package": {"name": "a"}}]}, "ecosystem and name"),
        (
            {
                "id": "X-2",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "a"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1"}]}],
                    }
                ],
            },
            "without an introduced",
        ),
        (
            {
                "id": "X-3",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "a"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}
                        ],
                    }
                ],
            },
            "exactly one key",
        ),
    ],
)
def test_malformed_advisories_are_refused_with_the_reason(
    doc: dict[str, object], words: str
) -> None:
    with pytest.raises(MalformedAdvisory, match=words):
        parse_osv(doc)


def test_fixed_in_names_only_the_upgrades_that_close_it() -> None:
    doc = {
        "id": "PYSEC-2023-222",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "django"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "3.2"}, {"fixed": "3.2.23"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "4.1"}, {"fixed": "4.1.13"}]},
                    {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "f0c3a1"}]},
                ],
            }
        ],
    }
    index = AdvisoryIndex([parse_osv(doc)])
    found = index.match("pkg:pypi/django@3.2.19")
    assert isinstance(found, list) and found[0].fixed == ("3.2.23",)
    found = index.match("pkg:pypi/django@4.1.2")
    assert isinstance(found, list) and found[0].fixed == ("4.1.13",)


def test_one_unorderable_bound_skips_that_advisory_alone() -> None:
    """PYSEC-2021-371 names `fixed: 0.2.0-n653`, which PyPI's rules cannot order; before,
    it made the whole package unmatchable and hid its valid advisories."""
    index = AdvisoryIndex(
        [
            advisory("PYSEC-2021-371", ["CVE-2021-1"], name="ansible", fixed="0.2.0-n653"),
            advisory("PYSEC-2023-1", ["CVE-2023-2"], name="ansible", fixed="2.16.0"),
        ]
    )
    found = index.judge("pkg:pypi/ansible@2.9.0")
    assert [m.primary_id for m in found.matches] == ["CVE-2023-2"]
    assert found.whole is None
    [partial] = found.partial
    assert partial.purl == "pkg:pypi/ansible@2.9.0"
    assert "PYSEC-2021-371 not evaluated" in partial.reason and "0.2.0-n653" in partial.reason
    matches = index.match("pkg:pypi/ansible@2.9.0")
    assert isinstance(matches, list) and [m.primary_id for m in matches] == ["CVE-2023-2"]


def test_a_component_version_its_ecosystem_cannot_order_is_skipped_whole() -> None:
    index = AdvisoryIndex([advisory("PYSEC-2023-1", ["CVE-2023-2"], name="ansible")])
    found = index.judge("pkg:pypi/ansible@not..a..version")
    assert found.matches == [] and found.whole is not None
    assert "not..a..version" in found.whole.reason
