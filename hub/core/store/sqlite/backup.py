"""SQLite's side of a backup: the online backup API, never a file copy.

Copying the files of a live WAL database can pair a database file with a log of another
moment. `Connection.backup` in one step reads one snapshot (a WAL reader never blocks the
writer, so the hub keeps serving) and writes it as a single file, switched out of WAL so
that it is whole on its own. A restore is staged beside the database and renamed into
place only after its checks, so a failed restore leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from collectors.files import private_dir, private_file
from hub.core.store.backup import (
    BackupError,
    Manifest,
    Method,
    Progress,
    State,
    check_state,
    store_state,
)
from hub.core.store.interface import Store
from hub.core.store.sqlite.store import SqliteStore

COPY = "crsa.db"
SIDE_FILES = ("-wal", "-shm", "-journal", "-writer")


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _whole(path: Path, *, check: bool = True) -> None:
    """The file out of WAL mode with its log folded in, and (`check`) read page by page."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")] if check else []
    for suffix in SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    if problems not in ([], ["ok"]):
        raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}")


def _state_of(path: Path) -> State:
    store = SqliteStore(path)
    try:
        return store_state(store)
    finally:
        store.close()


class SqliteMethod(Method):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.staged = path.with_name(f".{path.name}.restoring")

    def latest_schema(self) -> int:
        return SqliteStore(self.path).latest_schema()

    def take(self, folder: Path, progress: Progress) -> tuple[State, dict[str, Any]]:
        copy = private_dir(folder) / COPY
        progress(f"copying {self.path} through SQLite's online backup")
        with (
            closing(sqlite3.connect(self.path, timeout=30)) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)  # all pages in one step: one snapshot
        private_file(copy)
        state = _state_of(copy)
        _whole(copy)
        return state, {"file": COPY}

    def occupied(self) -> str | None:
        if self.path.exists() and self.path.stat().st_size > 0:
            return f"the SQLite database {self.path}"
        return None

    def put(self, folder: Path, manifest: Manifest, force: bool, progress: Progress) -> Store:
        progress(f"copying the database to {self.path.parent}")
        _remove_with_side_files(self.staged)
        private_dir(self.path.parent)
        shutil.copyfile(folder / manifest.details.get("file", COPY), self.staged)
        private_file(self.staged)
        _whole(self.staged)
        return SqliteStore(self.staged)

    def commit(self) -> Store:
        _whole(self.staged, check=False)  # checked in `put`; the checks' log folded in
        for suffix in SIDE_FILES:  # an old log must never be replayed into the new file
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")
        os.replace(self.staged, self.path)
        return SqliteStore(self.path)

    def discard(self) -> None:
        _remove_with_side_files(self.staged)

    def inspect(self, folder: Path, manifest: Manifest) -> None:
        """The copy opened in a scratch folder (opening it writes), its chain and counts
        checked as a restore checks them."""
        with tempfile.TemporaryDirectory(prefix="crsa-verify-") as scratch:
            probe = Path(scratch) / COPY
            shutil.copyfile(folder / manifest.details.get("file", COPY), probe)
            _whole(probe)
            store = SqliteStore(probe)
            try:
                if store.schema_version() < store.latest_schema():
                    store.migrate()
                check_state(store, manifest.state)
            finally:
                store.close()
