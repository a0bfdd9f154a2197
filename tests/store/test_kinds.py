"""Each stored kind is declared once (`hub.core.store.interface.Kind`): its value class
names the fields, `opaque` the ones kept whole. Both backends' real schemas (the migrated
SQLite tables, the live Elasticsearch mappings) are held to that declaration, and a read
naming a field the kind lacks fails the same way on both."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from hub.core.errors import StoreError
from hub.core.store import Store
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.interface import (
    FINDINGS,
    INTEL,
    KINDS,
    ORGANIZATIONS,
    SIGHTINGS,
    AnyOf,
    In,
    Kind,
    Query,
)
from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite.store import _TABLES


def _sqlite_columns(store: SqliteStore, kind: Kind[Any]) -> set[str]:
    db = sqlite3.connect(store.path)
    try:
        table = _TABLES[kind.name][0]
        return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    finally:
        db.close()


def test_every_kind_is_a_table_and_an_index_with_exactly_its_fields(store: Store) -> None:
    assert len({k.name for k in KINDS}) == len(KINDS)
    for kind in KINDS:
        assert kind.opaque <= kind.fields, kind.name
        if isinstance(store, SqliteStore):
            assert _sqlite_columns(store, kind) == set(kind.fields), kind.name
        else:
            assert isinstance(store, ElasticsearchStore)
            index = store.index(kind.name)
            mapping = store.es.indices.get_mapping(index=index)
            (only,) = mapping.body.values()
            properties = only["mappings"]["properties"]
            assert set(properties) == set(kind.fields), kind.name
            kept_whole = {f for f, m in properties.items() if m.get("enabled") is False}
            assert kept_whole == set(kind.opaque), kind.name


BAD_READS = [
    pytest.param(Query.page(None, 10, org_idd="o1"), id="misspelled equals"),
    pytest.param(Query(where=(In("severty", ("high",)),)), id="misspelled in"),
    pytest.param(Query(where=(AnyOf(((In("sytem_id", ("s",)),),)),)), id="misspelled any-of"),
    pytest.param(Query(newer=("updated", "2026-01-01T00:00:00+00:00")), id="misspelled newer"),
    pytest.param(Query(order_by="last_seeen"), id="misspelled order"),
]


@pytest.mark.parametrize("query", BAD_READS)
def test_a_misspelled_field_is_an_error_on_every_backend(store: Store, query: Query) -> None:
    """Before, Elasticsearch answered such a read with nothing at all: a dashboard would
    show an empty table instead of a bug."""
    with pytest.raises(StoreError, match="findings have no field"):
        store.select(FINDINGS, query)
    with pytest.raises(StoreError, match="findings have no field"):
        store.select_many([(ORGANIZATIONS, Query()), (FINDINGS, query)])


def test_counting_by_a_missing_field_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError, match="have no field 'sevrity'"):
        store.count_by(FINDINGS, "sevrity", Query())


def test_a_field_kept_whole_is_not_searchable(store: Store) -> None:
    with pytest.raises(StoreError, match="cannot be searched by 'data'"):
        store.select(INTEL, Query.page(None, 10, data="x"))
    with pytest.raises(StoreError, match="cannot be searched by 'profile'"):
        store.count_by(SIGHTINGS, "profile", Query())


def test_good_reads_still_answer(store: Store) -> None:
    assert store.select(FINDINGS, Query.page(None, 10, org_id="o1", severity="high")) == []
    assert store.count_by(FINDINGS, "severity", Query.page(None, 10, org_id="o1")) == {}
