"""The store seam and the factory that picks a backend from the settings."""

from __future__ import annotations

from hub.errors import NotInitialized
from hub.settings import Settings
from hub.store.interface import DEFAULT_LIMIT, Store, Transaction

__all__ = ["DEFAULT_LIMIT", "Store", "Transaction", "open_store"]


def open_store(settings: Settings, *, must_exist: bool = True) -> Store:
    """The configured backend; with `must_exist`, refuse a store nobody initialised."""
    from hub.store.sqlite import SqliteStore

    store = SqliteStore(settings.sqlite_path)
    if must_exist and (not settings.sqlite_path.exists() or store.schema_version() == 0):
        raise NotInitialized(
            f"no hub database at {settings.sqlite_path}",
            hint="run `crsa init` (or set CRSA_HOME to an existing hub)",
        )
    return store
