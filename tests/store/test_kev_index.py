"""Issue 20: exploited (KEV) findings are a few percent of all, and only they enter the
SQLite index that finds them, so a host report no longer adds one entry per finding to it.
The lookups the dashboards make must still find exactly what a scan finds, on every store."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from hub.core.model import Finding, FindingStatus, Severity
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, In, Query
from hub.core.store.sqlite import SqliteStore
from tests.store.test_contract import asset, finding, org, system


def _findings(store: Store) -> list[Finding]:
    """Two agencies' hosts with exploited and other findings, open and fixed."""
    made: list[Finding] = []
    for name in ("Agency A", "Agency B"):
        a = org(name)
        s = system(a.id, "Fleet")
        hosts = [asset(s, f"host-{n}") for n in range(3)]
        with store.transaction() as tx:
            tx.put_organization(a)
            tx.put_system(s)
            for h in hosts:
                tx.put_asset(h)
        for n, h in enumerate(hosts):
            batch = [
                replace(
                    finding(h, f"CVE-2026-{k:04d}", Severity.HIGH, status, k % 3),
                    kev=k % 4 == n % 4,
                )
                for k, status in enumerate([FindingStatus.OPEN] * 5 + [FindingStatus.FIXED])
            ]
            batch = [replace(f, fixed_at=f.last_seen) if f.status is FindingStatus.FIXED
                     else f for f in batch]  # fmt: skip
            with store.transaction() as tx:
                tx.put_findings(batch)
            made += batch
    return sorted(made, key=lambda f: f.id)


def test_exploited_findings_are_exactly_those_a_scan_finds(store: Store) -> None:
    every = _findings(store)
    open_kev = [f for f in every if f.kev and f.status is FindingStatus.OPEN]
    assert 0 < len(open_kev) < len([f for f in every if f.status is FindingStatus.OPEN])
    assert list(store.iter_query(FINDINGS, Query({"status": "open", "kev": True}))) == open_kev
    query = Query({"status": "open"}, where=(In("kev", (True,)),))
    assert list(store.iter_query(FINDINGS, query)) == open_kev
    by_org = store.count_by(FINDINGS, "org_id", Query({"status": "open", "kev": True}))
    assert by_org == {o: sum(f.org_id == o for f in open_kev) for o in by_org}
    assert sum(by_org.values()) == len(open_kev)
    not_kev = list(store.iter_query(FINDINGS, Query({"status": "open", "kev": False})))
    assert not_kev == [f for f in every if not f.kev and f.status is FindingStatus.OPEN]
    either = Query(where=(In("kev", (True, False)),))
    assert list(store.iter_query(FINDINGS, either)) == every


def test_only_exploited_findings_enter_the_kev_index(tmp_path: Path) -> None:
    """SQLite: the index is partial, and the dashboards' lookups use it."""
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    _findings(store)
    db = sqlite3.connect(store.path)
    partial = dict(db.execute("SELECT name, partial FROM pragma_index_list('findings')"))
    assert partial["findings_status_kev"] == 1
    for query in (
        Query({"status": "open", "kev": True}),
        Query({"status": "open"}, where=(In("severity", ("high",)), In("kev", (True,)))),
    ):
        table, clause, params = store._where(FINDINGS, query)
        plan = db.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {table}{clause} ORDER BY id LIMIT 50", params
        ).fetchall()
        assert "USING INDEX findings_status_kev" in str(plan[0][3]), plan
    store.close()
