"""Issue 20: which findings name a vulnerability, on every store, although SQLite keeps
no index of host findings by vulnerability any more. That index cost every host report
one scattered page per finding (268 of an image host's ~400 pages); hosts now share
groups of vulnerabilities, and a lookup must still find exactly what a scan would."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from hub.core.model import Finding, FindingStatus, Severity
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, In, Query
from hub.core.store.sqlite import SqliteStore
from tests.store.test_contract import PKGS, asset, finding, org, system

V1, V2, V3, V4, V5 = (f"CVE-2026-100{n}" for n in range(1, 6))


def _fleet(store: Store) -> tuple[list[Finding], list[str]]:
    """Three hosts of one image (V1, V2), one of its own (V1, V3), findings of an SBOM
    without a host (V1, V4); then one image host learns V5 and another has V2 fixed."""
    a = org("Agency")
    s = system(a.id, "Fleet")
    hosts = [asset(s, f"img-{n}") for n in range(3)] + [asset(s, "own")]
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
        for h in hosts:
            tx.put_asset(h)
    held: list[Finding] = []
    for h in hosts[:3]:
        batch = [finding(h, V1, Severity.HIGH, FindingStatus.OPEN, 0)]
        batch.append(finding(h, V2, Severity.LOW, FindingStatus.OPEN, 1))
        with store.transaction() as tx:
            tx.put_findings(batch)
        held += batch
    own = [finding(hosts[3], V1, Severity.HIGH, FindingStatus.OPEN, 0)]
    own.append(finding(hosts[3], V3, Severity.HIGH, FindingStatus.OPEN, 2))
    unhosted = [
        replace(finding(hosts[0], v, Severity.MEDIUM, FindingStatus.OPEN, n), asset_id="")
        for n, v in ((0, V1), (1, V4))
    ]
    unhosted = [
        replace(f, id=Finding.key_id(f"system:{s.id}", f.purl, f.vuln_id)) for f in unhosted
    ]
    learned = finding(hosts[0], V5, Severity.CRITICAL, FindingStatus.OPEN, 2)
    fixed = replace(held[3], status=FindingStatus.FIXED, fixed_at=held[3].last_seen)
    with store.transaction() as tx:
        tx.put_findings(own + unhosted)
    with store.transaction() as tx:
        tx.put_findings([learned])
    with store.transaction() as tx:
        tx.put_findings([fixed])
    held = [fixed if f.id == fixed.id else f for f in held]
    return held + own + unhosted + [learned], [h.id for h in hosts]


def _paged(store: Store, vuln: str) -> list[Finding]:
    out: list[Finding] = []
    after = None
    while page := store.list_findings(vuln_id=vuln, after=after, limit=2):
        out += page
        after = page[-1].id
    return out


def test_findings_naming_a_vulnerability_are_exactly_those_a_scan_finds(store: Store) -> None:
    every, _ = _fleet(store)
    assert sorted(every, key=lambda f: f.id) == store.list_findings(limit=100)
    for vuln in (V1, V2, V3, V4, V5, "CVE-2026-9999"):
        expected = sorted((f for f in every if f.vuln_id == vuln), key=lambda f: f.id)
        assert _paged(store, vuln) == expected, vuln
        opened = [f for f in expected if f.status is FindingStatus.OPEN]
        assert store.list_findings(vuln_id=vuln, status=FindingStatus.OPEN) == opened
        counted = store.count_by(FINDINGS, "severity", Query({"vuln_id": vuln}))
        assert counted == {s: sum(f.severity.value == s for f in expected) for s in counted}
        assert sum(counted.values()) == len(expected)
    either = store.iter_query(FINDINGS, Query(where=(In("vuln_id", (V3, V4)),)))
    assert [f.vuln_id for f in either] == [
        f.vuln_id for f in sorted(every, key=lambda f: f.id) if f.vuln_id in (V3, V4)
    ]
    assert {f.purl for f in every} <= {p.purl for p in PKGS}


def test_hosts_of_one_image_share_one_group_and_no_index_orders_host_findings_by_vulnerability(
    tmp_path: object,
) -> None:
    """SQLite: a host of a known image adds one row to the lookup, not one per finding."""
    store = SqliteStore(tmp_path / "crsa.db")  # type: ignore[operator]
    store.migrate()
    _, hosts = _fleet(store)
    db = sqlite3.connect(store.path)
    groups = dict(db.execute("SELECT asset_id, group_id FROM asset_vuln_groups").fetchall())
    assert groups[hosts[1]] == groups[hosts[2]]  # the image, V1 and V2 (one fixed)
    assert len({groups[hosts[0]], groups[hosts[1]], groups[hosts[3]]}) == 3
    members = db.execute(
        "SELECT vuln_id FROM vuln_groups WHERE group_id = ? ORDER BY vuln_id", (groups[hosts[0]],)
    ).fetchall()
    assert [v for (v,) in members] == [V1, V2, V5]
    rows = db.execute("SELECT count(*) FROM vuln_groups").fetchone()[0]
    assert rows == 3 + 2 + 2  # three groups, whatever the number of hosts in each
    # The last host leaving a group takes the group with it.
    for h in hosts[1:3]:
        with store.transaction() as tx:
            tx.put_findings([replace(finding(_asset(store, h), V5, Severity.CRITICAL,
                                             FindingStatus.OPEN, 2))])  # fmt: skip
    groups = dict(db.execute("SELECT asset_id, group_id FROM asset_vuln_groups").fetchall())
    assert groups[hosts[0]] == groups[hosts[1]] == groups[hosts[2]]
    assert db.execute("SELECT count(*) FROM vuln_groups").fetchone()[0] == 3 + 2
    led = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'"
        )
        if sql and "(vuln_id" in sql
    ]
    assert led == []
    store.close()


def _asset(store: Store, asset_id: str):  # type: ignore[no-untyped-def]
    found = store.get_asset(asset_id)
    assert found is not None
    return found


def test_a_lookup_by_vulnerability_reads_no_whole_table(tmp_path: object) -> None:
    """The plan SQLite picks for the lookups the API and dashboards make: the rows are
    read by the rowids the groups name, never by walking the table or another index of
    it (an agency's findings, say) and testing each row."""
    store = SqliteStore(tmp_path / "crsa.db")  # type: ignore[operator]
    store.migrate()
    _fleet(store)
    db = sqlite3.connect(store.path)
    for query in (
        Query({"vuln_id": V1}),
        Query({"vuln_id": V1, "status": FindingStatus.OPEN.value, "org_id": "o"}),
        Query(where=(In("vuln_id", (V1, V2)),)),
    ):
        table, clause, params = store._where(FINDINGS, query)
        plan = db.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {table}{clause} ORDER BY id LIMIT 100", params
        ).fetchall()
        steps = [str(row[3]) for row in plan]
        assert steps[0] == "SEARCH findings USING INTEGER PRIMARY KEY (rowid=?)", steps
        # The one table read whole is the few groups waiting to enter the lookup.
        scans = [s for s in steps if s.startswith("SCAN")]
        assert scans == ["SCAN vuln_groups_pending"], steps
    store.close()
