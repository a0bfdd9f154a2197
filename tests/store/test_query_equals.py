"""A field equal to a value means on SQLite what it means on Elasticsearch (a `term`
query), and what `In` with that one value means on both: for a list field, that any
element is the value. SQLite compared a list field's JSON text with the value instead,
so the two stores gave different answers to one query; its equals and `In` conditions
were also two copies of the same translation, now one."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from hub.core.model import FindingStatus, Severity
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, AnyOf, In, Query
from hub.core.store.sqlite import SqliteStore
from tests.store.test_contract import asset, finding, org, system


def _findings(store: Store) -> list[str]:
    a = org("Agency")
    s = system(a.id, "Fleet")
    host = asset(s, "h1")
    found = [
        replace(
            finding(host, "CVE-2026-2001", Severity.HIGH, FindingStatus.OPEN, 0),
            aliases=("GHSA-aaaa-bbbb-cccc", "PYSEC-2026-1"),
        ),
        replace(
            finding(host, "CVE-2026-2002", Severity.LOW, FindingStatus.OPEN, 1),
            aliases=("GHSA-dddd-eeee-ffff",),
        ),
        finding(host, "CVE-2026-2003", Severity.LOW, FindingStatus.FIXED, 2),
    ]
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
        tx.put_asset(host)
        tx.put_findings(found)
    return [f.vuln_id for f in found]


def _vulns(store: Store, query: Query) -> list[str]:
    return sorted(f.vuln_id for f in store.iter_query(FINDINGS, query))


def test_equals_on_a_list_field_matches_any_element_on_every_store(store: Store) -> None:
    first, second, _ = _findings(store)
    assert _vulns(store, Query({"aliases": "PYSEC-2026-1"})) == [first]
    assert _vulns(store, Query({"aliases": "GHSA-dddd-eeee-ffff"})) == [second]
    assert _vulns(store, Query({"aliases": "GHSA-none"})) == []
    # The same answers as `In` with the one value, which always matched on any element.
    for alias in ("PYSEC-2026-1", "GHSA-dddd-eeee-ffff", "GHSA-none"):
        assert _vulns(store, Query({"aliases": alias})) == _vulns(
            store, Query(where=(In("aliases", (alias,)),))
        )


def test_equals_on_booleans_and_plain_fields_keeps_its_answers(store: Store) -> None:
    first, second, third = _findings(store)
    assert _vulns(store, Query({"kev": True})) == sorted([first, second, third])
    assert _vulns(store, Query({"kev": False})) == []
    assert _vulns(store, Query({"status": "open"})) == sorted([first, second])
    assert _vulns(store, Query({"status": "open", "vuln_id": second})) == [second]


def test_a_lookup_inside_any_of_reads_the_rowids_it_names(tmp_path: Path) -> None:
    """A vulnerability named inside `AnyOf` goes through the groups as one named directly
    does: the table is read `NOT INDEXED`, by rowid, never walked through another index
    and each row tested."""
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    first, *_ = _findings(store)
    query = Query(
        {"org_id": "o"},
        where=(AnyOf(((In("vuln_id", (first,)), In("status", ("open",))),)),),
    )
    table, clause, params = store._where(FINDINGS, query)
    assert "NOT INDEXED" in table
    db = sqlite3.connect(store.path)
    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM {table}{clause} ORDER BY id LIMIT 100", params
    ).fetchall()
    steps = [str(row[3]) for row in plan]
    assert not any(s.startswith("SCAN findings") for s in steps), steps
    assert not any("findings USING INDEX" in s for s in steps), steps
    db.close()
    answered = store.iter_query(FINDINGS, Query(where=query.where))
    assert sorted(f.vuln_id for f in answered) == [first]
    store.close()
