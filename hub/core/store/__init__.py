"""The store seam and the factory that picks a backend from the settings."""

from __future__ import annotations

from hub.core.errors import NotInitialized
from hub.core.settings import Settings
from hub.core.store.interface import DEFAULT_LIMIT, Store, Transaction

__all__ = ["DEFAULT_LIMIT", "Store", "Transaction", "open_store"]


def open_store(settings: Settings, *, must_exist: bool = True) -> Store:
    """The configured backend; with `must_exist`, refuse a store nobody initialised, or
    one whose schema is not this code's (`crsa init` upgrades it)."""
    store: Store
    if settings.store == "elasticsearch":
        from hub.core.store.elasticsearch import ElasticsearchStore

        store = ElasticsearchStore.from_settings(settings)
        where = f"Elasticsearch at {settings.es_url} (index prefix {settings.es_index_prefix})"
    else:
        from hub.core.store.sqlite import SqliteStore

        store = SqliteStore(settings.sqlite_path)
        where = f"the SQLite database {settings.sqlite_path}"
        if must_exist and not settings.sqlite_path.exists():
            raise NotInitialized(
                f"no hub database at {settings.sqlite_path}",
                hint="run `crsa init` (or set CRSA_HOME to the hub's directory)",
            )
    if must_exist:
        found, latest = store.schema_version(), store.latest_schema()
        if found != latest:
            store.close()
        if found == 0:
            raise NotInitialized(f"no hub in {where}", hint="run `crsa init` first")
        if found < latest:
            # Reading an older schema would fail later, mid-request, on a missing column.
            raise NotInitialized(
                f"{where} has schema version {found}; this crsa-hub needs {latest}",
                hint="run `crsa init` to upgrade it (safe to run again), then start again",
            )
        if found > latest:
            raise NotInitialized(
                f"{where} has schema version {found}, newer than this crsa-hub knows ({latest})",
                hint="run the crsa-hub release that upgraded it",
            )
    return store
