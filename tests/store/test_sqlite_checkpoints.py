"""Issue 20: SQLite copies its WAL back into the database every few dozen commits of a
connection, and never while that connection holds the writer lock every other writer waits
on. SQLite's own checkpoint ran inside the commit that crossed its threshold: in a served
ingest, 15 commits in 1,000 held the lock 80-120 ms longer."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite import store as sqlite_store
from tests.store.test_contract import org


def _write_once(store: SqliteStore, n: int) -> None:
    """One commit of a few pages: twenty agencies with long names."""
    with store.transaction() as tx:
        for k in range(20):
            tx.put_organization(org(f"Agency {n:03d}-{k:02d} " + "x" * 180))


def test_the_wal_is_copied_back_every_few_dozen_commits(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    every = sqlite_store.CHECKPOINT_EVERY
    _write_once(store, 1)  # the first commit of this connection (the migration is not one)
    start = (tmp_path / "crsa.db").stat().st_size
    for n in range(2, every):
        _write_once(store, n)
    # Until the next checkpoint the agencies live in the WAL only.
    assert (tmp_path / "crsa.db").stat().st_size == start
    _write_once(store, every)
    assert (tmp_path / "crsa.db").stat().st_size > start
    assert len(store.list_organizations(limit=1000)) == 20 * every
    store.close()


def test_no_checkpoint_runs_while_the_writer_lock_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    lock_free: list[bool] = []
    checkpoint = SqliteStore._checkpoint_now_and_then

    def watched(self: SqliteStore, conn: object) -> None:
        # Another open file description of the writer lock: it gets the lock only when
        # nobody (this thread included) holds it.
        fd = os.open(tmp_path / "crsa.db-writer", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock_free.append(True)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            lock_free.append(False)
        finally:
            os.close(fd)
        checkpoint(self, conn)  # type: ignore[arg-type]

    monkeypatch.setattr(SqliteStore, "_checkpoint_now_and_then", watched)
    for n in range(sqlite_store.CHECKPOINT_EVERY + 1):
        _write_once(store, n)
    assert lock_free and all(lock_free), lock_free
    store.close()
