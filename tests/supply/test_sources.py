"""Intelligence sources as one seam: each source declares itself once (what it provides,
its sync order, the locations it reads, its upstream) and everything else is derived
from the declarations: sync order, CLI choices, what matching indexes, what a change
re-matches. A feed whose source nobody declares fails alone, with a clear message
(before, the sync-order table raised KeyError and stopped every feed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.core.model import utcnow
from hub.core.records.intel import IntelSource
from hub.core.store import Store
from hub.intelligence import sources
from hub.intelligence.feeds import register, sync_all
from hub.intelligence.sources import (
    REGISTERED,
    FeedError,
    LocationKind,
    Provides,
    provides_enrichment,
    source_for,
    sources_providing,
)
from tests.supply.builders import JVN_RSS


def test_every_source_is_declared_once_and_completely() -> None:
    assert sorted(s.source for s in REGISTERED) == sorted(IntelSource)
    assert len({s.order for s in REGISTERED}) == len(REGISTERED)
    for declared in REGISTERED:
        assert isinstance(declared.provides, Provides)
        assert declared.reads and declared.reads <= set(LocationKind)
        assert declared.upstream.startswith("https://")
    # Advisories sync first, so enrichers find the ids they enrich.
    first = min(REGISTERED, key=lambda s: s.order)
    assert first.provides is Provides.ADVISORIES
    assert sources_providing(Provides.ADVISORIES) == (IntelSource.OSV,)
    assert provides_enrichment(IntelSource.KEV) and not provides_enrichment(IntelSource.OSV)


def test_an_unknown_source_is_a_clear_error_not_a_key_error() -> None:
    with pytest.raises(FeedError, match="no intelligence source 'nvd'; known sources"):
        source_for("nvd")


def _feeds(store: Store, tmp_path: Path) -> None:
    jvn = tmp_path / "jvndb.rdf"
    jvn.write_text(JVN_RSS, encoding="utf-8")
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({"vulnerabilities": [{"cveID": "CVE-2026-0001"}]}))
    register(store, IntelSource.JVN, str(jvn), "t", "cli:tests")
    register(store, IntelSource.KEV, str(kev), "t", "cli:tests")


def test_a_feed_of_an_undeclared_source_fails_alone(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed registered by a hub that knew a source this one does not (here: JVN taken
    out of the declarations): the other feeds sync, this one says why it did not."""
    _feeds(store, tmp_path)
    monkeypatch.setattr(sources, "REGISTERED", tuple(s for s in REGISTERED if s.source != "jvn"))
    results = {r.feed.source: r for r in sync_all(store, "t")}
    assert results[IntelSource.KEV].written == 1 and not results[IntelSource.KEV].error
    assert "no intelligence source 'jvn'" in results[IntelSource.JVN].error


def test_sync_follows_the_declared_order(store: Store, tmp_path: Path) -> None:
    _feeds(store, tmp_path)
    synced = [r.feed.source for r in sync_all(store, "t")]
    assert synced == sorted(synced, key=lambda s: source_for(s).order)


def test_a_location_a_source_does_not_read_is_refused_with_what_it_reads(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "kev-dir"
    folder.mkdir()
    with pytest.raises(FeedError, match="kev feeds are not read from a directory") as err:
        register(store, IntelSource.KEV, str(folder), "t", "cli:tests")
    assert err.value.hint is not None and "file, http, zip" in err.value.hint
    assert store.list_feeds() == []


def test_the_cli_offers_the_declared_sources_and_their_upstream(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(home), "init"]).exit_code == 0
    helped = runner.invoke(main, ["--home", str(home), "feeds", "add", "--help"])
    for declared in REGISTERED:
        assert declared.source.value in helped.output
    added = runner.invoke(main, ["--home", str(home), "feeds", "add", "kev"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["--home", str(home), "feeds", "list"]).output
    assert source_for("kev").upstream in listed


def test_matching_knows_enrichment_only_through_the_declarations(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings take what enrichment sources say from `enrich` alone: a source declaring
    other semantics (here, an EPSS variant that calls a likely exploit known-exploited)
    changes findings without matching knowing its format."""
    from hub.core.model import Package
    from hub.core.records.intel import IntelRecord
    from hub.intelligence import matching
    from hub.intelligence.matching import Scope, match_scope
    from hub.intelligence.sources import Enriched, EpssSource
    from tests.supply.builders import osv, write_osv

    advisories = write_osv(
        tmp_path / "osv",
        osv("GHSA-aaaa-bbbb-cccc", "PyPI", "django", "0", "4.2.8", aliases=("CVE-2099-0007",)),
    )
    register(store, IntelSource.OSV, str(advisories), "t", "cli:tests")
    sync_all(store, "t")
    with store.transaction() as tx:
        tx.put_intel([IntelRecord.of(IntelSource.EPSS, "CVE-2099-0007", {"epss": 0.97})])
    scope = Scope("o1", "s1", "a1", "", "", ())
    package = [Package("pkg:pypi/django@4.2.7", "django", "4.2.7", "pypi")]

    [plain] = match_scope(store, scope, package, [], utcnow()).findings
    assert (plain.epss, plain.kev) == (0.97, False)

    class LikelyMeansExploited(EpssSource):
        @classmethod
        def enrich(cls, data: dict[str, Any], into: Enriched) -> None:
            super().enrich(data, into)
            into.known_exploited = into.known_exploited or float(data["epss"]) > 0.9

    swapped = tuple(LikelyMeansExploited if s is EpssSource else s for s in REGISTERED)
    monkeypatch.setattr(sources, "REGISTERED", swapped)
    # Declarations are fixed while a hub runs, so the view of the intelligence keeps what
    # each software set was enriched with; one swapped at run time needs a fresh view.
    monkeypatch.setattr(matching, "_cache", {})
    [changed] = match_scope(store, scope, package, [], utcnow()).findings
    assert (changed.epss, changed.kev) == (0.97, True)
