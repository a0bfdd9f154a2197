"""Issue 20: a host of its own brings a new software set and a new group of
vulnerabilities. They enter the lookups by match key and by vulnerability a batch of new
sets at a time (migration 0023, `hub/core/store/sqlite/inverted.py`), not one scattered
page per key in each host's commit. Whether a set waits or has entered, and after it is
gone, every lookup answers exactly what reading every set would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.core.model import Asset, FindingStatus, Package, Severity
from hub.core.packages import package_from_purl, package_key
from hub.core.store.interface import FINDINGS, Query
from hub.core.store.sqlite import SqliteStore, inverted
from tests.store.rewind import rewind
from tests.store.test_contract import asset, finding, org, system

LIMIT = 3  # sets that wait before entering together, in these tests
UNIVERSE = [f"pkg:pypi/lib{n}@1.{n}.0" for n in range(12)]


def _packages(numbers: list[int]) -> list[Package]:
    return [package_from_purl(UNIVERSE[n]) for n in numbers]


def _sets(store: SqliteStore, hosts: dict[str, list[int]]) -> None:
    a = org("Agency")
    s = system(a.id, "Fleet")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
    for ident, numbers in hosts.items():
        h = asset(s, ident)
        with store.transaction() as tx:
            tx.put_asset(h)
            tx.put_asset_packages(h.id, _packages(numbers))


def _expected_running(store: SqliteStore) -> dict[str, set[str]]:
    """purl -> hosts, from every host's own list."""
    out: dict[str, set[str]] = {p: set() for p in UNIVERSE}
    for a in store.list_assets(limit=1000):
        for p in store.list_asset_packages(a.id):
            out[p.purl].add(a.id)
    return out


def _lookups_are_true(store: SqliteStore) -> None:
    running = _expected_running(store)
    for purl, hosts in running.items():
        assert store.assets_running(purl) == sorted(hosts), purl
        key = package_key(purl)
        assert key is not None
        assert store.assets_matching([key]) == sorted(hosts), key
    keys = [package_key(p) or "" for p in UNIVERSE[:5]]
    assert store.assets_matching(keys) == sorted(set().union(*(running[p] for p in UNIVERSE[:5])))


def _count(db: sqlite3.Connection, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.fixture
def batched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteStore]:
    """A store whose new sets enter the lookups `LIMIT` at a time."""
    monkeypatch.setattr(inverted, "PENDING_LIMIT", LIMIT)
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    yield store
    store.close()


def test_new_software_sets_wait_then_enter_the_lookup_together(batched: SqliteStore) -> None:
    store = batched
    db = sqlite3.connect(store.path)
    _sets(store, {"img-0": [0, 1, 2, 3], "img-1": [0, 1, 2, 3], "own-0": [0, 1, 2, 4]})
    # Two distinct sets so far (hosts of one image share theirs): both wait.
    assert _count(db, "software_sets_pending") == 2
    assert _count(db, "software_set_keys") == 0
    _lookups_are_true(store)
    _sets(store, {"own-1": [0, 5, 6]})  # the third: all three enter, sorted, at once
    assert _count(db, "software_sets_pending") == 0
    keys = db.execute("SELECT match_key, set_id FROM software_set_keys").fetchall()
    assert keys == sorted(keys)
    assert len({s for _, s in keys}) == 3
    _lookups_are_true(store)
    # A host moving on from a set that entered (its last host), and one from a set that
    # waits: both sets are gone from every lookup.
    _sets(store, {"own-2": [7, 8]})
    assert _count(db, "software_sets_pending") == 1
    _sets(store, {"own-1": [9], "own-2": [10]})
    _lookups_are_true(store)
    held = {s for (s,) in db.execute("SELECT DISTINCT set_id FROM software_sets")}
    assert {s for (s,) in db.execute("SELECT set_id FROM software_set_keys")} <= held
    assert {s for (s,) in db.execute("SELECT set_id FROM software_sets_pending")} <= held
    assert store.assets_running(UNIVERSE[5]) == store.assets_running(UNIVERSE[7]) == []


def test_new_groups_of_vulnerabilities_wait_then_enter_the_lookup_together(
    batched: SqliteStore,
) -> None:
    store = batched
    db = sqlite3.connect(store.path)
    a = org("Agency")
    s = system(a.id, "Fleet")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
    vulns = [f"CVE-2026-20{n:02d}" for n in range(8)]
    every = []

    def report(h: Asset, numbers: list[int]) -> None:
        found = [
            finding(h, vulns[n], Severity.HIGH, FindingStatus.OPEN, k % 3)
            for k, n in enumerate(numbers)
        ]
        every.extend(found)
        with store.transaction() as tx:
            tx.put_asset(h)
            tx.put_findings(found)

    def true() -> None:
        for v in vulns:
            expected = sorted((f for f in every if f.vuln_id == v), key=lambda f: f.id)
            assert store.list_findings(vuln_id=v, limit=100) == expected, v
            assert store.count(FINDINGS, Query({"vuln_id": v})) == len(expected)

    report(asset(s, "img-0"), [0, 1, 2])
    report(asset(s, "img-1"), [0, 1, 2])
    report(asset(s, "own-0"), [0, 1, 3])
    assert _count(db, "vuln_groups_pending") == 2
    assert _count(db, "vuln_group_keys") == 0
    true()
    report(asset(s, "own-1"), [4, 5])
    assert _count(db, "vuln_groups_pending") == 0
    assert _count(db, "vuln_group_keys") == 3 + 3 + 2
    true()
    # A host learning a vulnerability moves to a larger group; its old one, now without
    # hosts, leaves the lookup.
    report(asset(s, "own-1"), [6])
    assert _count(db, "vuln_groups_pending") == 1
    assert {g for (g,) in db.execute("SELECT group_id FROM vuln_group_keys")} <= {
        g for (g,) in db.execute("SELECT group_id FROM vuln_groups")
    }
    true()


def test_lookups_read_no_whole_table_but_the_waiting_sets(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    _sets(store, {"img-0": [0, 1, 2], "own-0": [0, 3]})
    db = sqlite3.connect(store.path)
    key = package_key(UNIVERSE[0]) or ""
    for sql, params in (
        (store._assets_matching_sql(1), [key, key]),
        (store._assets_running_sql(), [key, key, UNIVERSE[0]]),
    ):
        steps = [str(r[3]) for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        # The sets found are read as they come (a co-routine); the one table read whole
        # is the few sets waiting to enter the lookup.
        scans = [s for s in steps if s.startswith("SCAN") and s != "SCAN holders"]
        assert scans == ["SCAN software_sets_pending"], steps
    store.close()


def test_sets_and_groups_of_an_older_database_enter_the_lookups(tmp_path: Path) -> None:
    """A database of schema 22 (sets and groups indexed by key in their own tables) is
    migrated with every set and group in the new lookups."""
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    _sets(store, {"img-0": [0, 1, 2], "img-1": [0, 1, 2], "own-0": [0, 3]})
    s = system(org("Agency").id, "Fleet")
    h = asset(s, "own-0")
    with store.transaction() as tx:
        tx.put_findings([finding(h, "CVE-2026-3001", Severity.LOW, FindingStatus.OPEN, 0)])
    store.close()
    db = sqlite3.connect(tmp_path / "crsa.db", isolation_level=None)
    rewind(db, 22)
    db.close()
    store = SqliteStore(tmp_path / "crsa.db")
    assert store.migrate() == store.latest_schema()
    db = sqlite3.connect(store.path)
    assert _count(db, "software_set_keys") == 3 + 2  # two sets; keys are per set
    assert _count(db, "vuln_group_keys") == 1
    _lookups_are_true(store)
    assert [f.asset_id for f in store.list_findings(vuln_id="CVE-2026-3001")] == [h.id]
    store.close()
