"""Migrated Elasticsearch index sets, lent to one test at a time and emptied after it.

A fresh store per test is what every test on Elasticsearch needs, but creating a store's
32 indices costs about 2 s on the test node, and over 200 tests run on it: minutes of
the suite. Emptying a set after its test costs a tenth of that. A set goes back to the
pool only when the test left it as it was made (the same indices, mappings, settings,
aliases and templates); else it is dropped, and the next test gets a new one. What the
migration wrote (its schema document) is written back, so a lent set holds exactly what
a newly migrated one holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elasticsearch import ApiError, TransportError
from elasticsearch.helpers import bulk, scan

from hub.core.store.elasticsearch import ElasticsearchStore

Doc = tuple[str, str, dict[str, Any]]


class IndexSets:
    def __init__(self, urls: list[str], make: Callable[..., ElasticsearchStore]) -> None:
        self._urls = urls
        self._make = make
        self._free: list[str] = []
        self._made: dict[str, tuple[Any, list[Doc]]] = {}
        self._saved: dict[str, tuple[list[Doc], Any]] = {}

    def saved(self, store: ElasticsearchStore, name: str) -> Any:
        """What `save` kept under `name`, now written into `store`'s fresh set, or None.
        A fixture that builds the same records for every test (the seeded world: a dozen
        commits, each a lease, a journal and a refresh here) builds them once and has
        them copied afterwards, audit chain and all, as a restarted hub would find them."""
        if name not in self._saved:
            return None
        docs, value = self._saved[name]
        self._write(store, docs)
        return value

    def save(self, store: ElasticsearchStore, name: str, value: Any) -> None:
        self._saved[name] = (self._docs(store), value)

    def lend(self) -> ElasticsearchStore:
        if self._free:
            return self._make(self._urls, self._free.pop())
        store = self._make(self._urls)
        store.migrate()
        self._made[store.prefix] = (self._shape(store), self._docs(store))
        return store

    def take_back(
        self, store: ElasticsearchStore, drop: Callable[[ElasticsearchStore], None]
    ) -> None:
        """Empty the set for the next test, or drop it if the test changed its shape."""
        shape, docs = self._made[store.prefix]
        try:
            reusable = self._shape(store) == shape and self._reset(store, docs)
        except (ApiError, TransportError):
            reusable = False
        if reusable:
            store.close()
            self._free.append(store.prefix)
        else:
            del self._made[store.prefix]
            drop(store)

    @staticmethod
    def _shape(store: ElasticsearchStore) -> Any:
        pattern = f"{store.prefix}-*"
        indices = store.es.indices.get(index=pattern).body
        templates = store.es.indices.get_index_template(name=pattern).body
        return indices, templates

    @staticmethod
    def _docs(store: ElasticsearchStore) -> list[Doc]:
        """Every document of the set, its index named without the set's prefix: records
        saved from one set are written into another."""
        pattern = f"{store.prefix}-*"
        store.es.indices.refresh(index=pattern)
        found = scan(store.es, index=pattern, query={"query": {"match_all": {}}})
        cut = len(store.prefix) + 1
        return sorted((d["_index"][cut:], d["_id"], d["_source"]) for d in found)

    def _reset(self, store: ElasticsearchStore, docs: list[Doc]) -> bool:
        """Write `docs` back; the set is reusable if it then holds as many documents (the
        bulk calls raise on any failed action, so a count is check enough, where a third
        scan of every document cost each test's teardown)."""
        self._write(store, docs)
        held = store.es.count(index=f"{store.prefix}-*")["count"]
        return bool(held == len(docs))

    def _write(self, store: ElasticsearchStore, docs: list[Doc]) -> None:
        """Make the set hold exactly `docs`, whatever it held."""
        held = self._docs(store)
        bulk(
            store.es,
            [{"_op_type": "delete", "_index": store.index(i), "_id": d} for i, d, _ in held],
            refresh=True,
        )
        bulk(
            store.es,
            [
                {"_op_type": "index", "_index": store.index(i), "_id": d, "_source": s}
                for i, d, s in docs
            ],
            refresh=True,
        )
