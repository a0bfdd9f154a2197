"""Issue 20: what a host report costs the writer every other writer waits for, on SQLite.
Its finding rows are encoded before the writer lock is taken, and its findings enter one
index by host instead of two; the reads that used the dropped index read another."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.core.model import Finding, FindingStatus, Severity
from hub.core.store.interface import FINDINGS, In, Query
from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite import store as sqlite_store
from tests.store.test_contract import asset, finding, org, system


def _lock_is_free(store: SqliteStore) -> bool:
    """Another open file description of the writer lock gets it only when nobody (this
    thread included) holds it."""
    fd = os.open(store.path.with_name(f"{store.path.name}-writer"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_prepared_finding_rows_are_encoded_outside_the_writer_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    s = system(org("A").id, "Fleet")
    host = asset(s, "h1")
    found = [finding(host, f"CVE-2026-{n:04d}", Severity.HIGH, FindingStatus.OPEN, n % 3)
             for n in range(20)]  # fmt: skip
    encoded_free: list[bool] = []
    encoder = sqlite_store._row_encoder

    def watched(cls: type[Any]) -> Callable[[Any], list[Any]]:
        encode = encoder(cls)  # type: ignore[arg-type]

        def row(item: Any) -> list[Any]:
            if cls is Finding:
                encoded_free.append(_lock_is_free(store))
            return encode(item)

        return row

    monkeypatch.setattr(sqlite_store, "_row_encoder", watched)
    store.prepare(FINDINGS, found)
    # One of them is replaced before the write (a reconcile merges it with the stored
    # one): the new object is what is written, encoded then.
    merged = replace(found[3], status=FindingStatus.FIXED, fixed_at=found[3].last_seen)
    with store.transaction() as tx:
        tx.put_findings([*found[:3], merged, *found[4:]])
    assert encoded_free == [True] * 20 + [False]
    assert store.get_finding(found[0].id) == found[0]
    assert store.get_finding(merged.id) == merged
    # What was prepared is forgotten with the transaction that followed.
    encoded_free.clear()
    with store.transaction() as tx:
        tx.put_findings(found[:2])
    assert encoded_free == [False, False]
    store.close()


def _plan(store: SqliteStore, query: Query) -> list[str]:
    table, clause, params = store._where(FINDINGS, query)
    db = sqlite3.connect(store.path)
    try:
        rows = db.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {table}{clause} ORDER BY id LIMIT 100", params
        ).fetchall()
    finally:
        db.close()
    return [str(r[3]) for r in rows]


def test_host_findings_enter_one_index_by_host_and_every_read_by_asset_uses_an_index(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    a = org("A")
    s = system(a.id, "Fleet")
    hosts = [asset(s, f"h{n}") for n in range(3)]
    held = [
        finding(h, f"CVE-2026-{n:04d}", Severity.HIGH, FindingStatus.OPEN, n % 3)
        for h in hosts
        for n in range(5)
    ]
    wide = [
        replace(f, asset_id="", id=Finding.key_id(f"system:{s.id}", f.purl, f.vuln_id))
        for f in held[:5]
    ]
    with store.transaction() as tx:
        tx.put_findings(held + wide)
    db = sqlite3.connect(store.path)
    indexes = {
        name: sql
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'"
        )
    }
    db.close()
    by_host = [n for n, sql in indexes.items() if sql and sql.split("(")[1].startswith("asset_id")]
    assert by_host == ["findings_asset_vuln"], indexes
    assert "WHERE asset_id = ''" in indexes["findings_system_wide"]

    host = hosts[1].id
    for query, index in (
        (Query({"asset_id": host}), "findings_asset_vuln"),
        (Query({"asset_id": host, "org_id": a.id, "status": "open"}), "findings_asset_vuln"),
        (Query(where=(In("asset_id", (host, hosts[2].id)),)), "findings_asset_vuln"),
        (Query({"asset_id": ""}), "findings_system_wide"),
        (Query({"asset_id": "", "status": "open", "org_id": a.id}), "findings_system_wide"),
        (Query({"system_id": s.id, "asset_id": host, "product_id": ""}), "findings_scope"),
        (Query({"system_id": s.id, "asset_id": "", "product_id": ""}), "findings_scope"),
    ):
        steps = _plan(store, query)
        assert f"USING INDEX {index}" in steps[0], (query, steps)
        assert not any(step.startswith("SCAN findings") and "INDEX" not in step
                       for step in steps), (query, steps)  # fmt: skip

    # The answers are those of a scan, page by page.
    def paged(**where: Any) -> list[Finding]:
        out: list[Finding] = []
        while page := store.list_findings(after=out[-1].id if out else None, limit=2, **where):
            out += page
        return out

    by_id = sorted(held + wide, key=lambda f: f.id)
    assert paged(asset_id=host) == [f for f in by_id if f.asset_id == host]
    assert paged(asset_id="") == [f for f in by_id if not f.asset_id]
    assert paged(asset_id="", org_id=a.id, status=FindingStatus.OPEN) == [
        f for f in by_id if not f.asset_id and f.status is FindingStatus.OPEN
    ]
    assert store.count(FINDINGS, Query({"asset_id": ""})) == 5
    store.close()
