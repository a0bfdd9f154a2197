"""The embedded default store: one SQLite file in CRSA_HOME, WAL mode."""

from hub.core.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
