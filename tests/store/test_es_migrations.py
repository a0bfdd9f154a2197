"""Elasticsearch-only: a schema-2 cluster is upgraded in place; existing findings gain the
new fields (mappings only grow) and read back with them empty. An index whose sort came
later is rebuilt sorted with all its documents."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.core.records.sharing import StixVersion
from hub.core.store.elasticsearch import mappings
from hub.core.store.elasticsearch import store as es_module
from hub.core.store.interface import STIX_OBJECTS, Query
from tests.conftest import drop_indices, es_store
from tests.sharednode import NodeAddress

pytestmark = pytest.mark.elasticsearch

OLD_FINDING_FIELDS = (
    "id",
    "org_id",
    "system_id",
    "asset_id",
    "purl",
    "vuln_id",
    "severity",
    "cvss",
    "kev",
    "epss",
    "status",
    "first_seen",
    "last_seen",
    "fixed_at",
)


def test_schema_2_cluster_upgrades_with_its_findings(
    es_node: NodeAddress, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = es_store(es_node.urls)
    old_findings = {
        "dynamic": "strict",
        "properties": {
            k: v
            for k, v in mappings.MAPPINGS["findings"]["properties"].items()
            if k in OLD_FINDING_FIELDS
        },
    }
    with monkeypatch.context() as patch:
        patch.setitem(mappings.MAPPINGS, "findings", old_findings)
        patch.setattr(es_module, "MIGRATIONS", {k: mappings.MIGRATIONS[k] for k in (1, 2)})
        patch.setattr(es_module, "SCHEMA_VERSION", 2)
        assert store.migrate() == 2
    store.es.index(
        index=store.index("findings"),
        id="f1",
        document={
            "id": "f1",
            "org_id": "o1",
            "system_id": "s1",
            "asset_id": "a1",
            "purl": "pkg:pypi/django@4.2.6",
            "vuln_id": "CVE-2023-46695",
            "severity": "high",
            "cvss": 7.5,
            "kev": True,
            "epss": 0.4,
            "status": "open",
            "first_seen": "2026-01-01T00:00:00.000+00:00",
            "last_seen": "2026-01-02T00:00:00.000+00:00",
            "fixed_at": None,
        },
        refresh=True,
    )
    try:
        assert store.schema_version() == 2
        assert store.migrate() == mappings.SCHEMA_VERSION >= 3
        finding = store.get_finding("f1")
        assert finding is not None and finding.cvss == 7.5 and finding.aliases == ()
        assert store.list_sboms() == [] and store.list_products() == []
        fields = store.es.indices.get_mapping(index=store.index("findings"))
        properties = next(iter(fields.values()))["mappings"]["properties"]
        assert {"aliases", "product_id", "vex", "kev_due"} <= set(properties)
    finally:
        drop_indices(store)


def _version(n: int) -> StixVersion:
    oid = f"indicator--{n:04d}"
    added = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n // 10)  # ten per minute
    return StixVersion(
        StixVersion.key_id("c1", oid, "v"), "c1", oid, "indicator", "2.1", "v", added,
        "green", "o1", (), True, True, False, {"id": oid, "n": n},
    )  # fmt: skip


def test_stix_objects_made_unsorted_are_rebuilt_sorted_with_every_version(
    es_node: NodeAddress, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schema-8 store kept its STIX versions in an unsorted index; the upgrade copies
    them into a sorted one, which takes the old name, and every read and write by that
    name still finds them all, in the same order."""
    store = es_store(es_node.urls)
    with monkeypatch.context() as patch:
        patch.setattr(es_module, "MIGRATIONS", {k: mappings.MIGRATIONS[k] for k in range(1, 9)})
        patch.setattr(es_module, "SCHEMA_VERSION", 8)
        patch.setattr(es_module, "SORTED", {})
        assert store.migrate() == 8
    try:
        with store.transaction() as tx:
            tx.put_stix_versions([_version(n) for n in range(2500)])
        assert not store._is_sorted("stix_objects")
        query = Query(equals={"collection_id": "c1"}, order_by="date_added", limit=3000)
        before = [v.id for v in store.select(STIX_OBJECTS, query)]
        reported: list[tuple[str, int]] = []
        assert store.migrate(lambda what, n: reported.append((what, n))) == mappings.SCHEMA_VERSION
        assert store._is_sorted("stix_objects")
        assert sum(n for _, n in reported) == 2500
        assert {what for what, _ in reported} == {"stix_objects rebuilt"}
        assert [v.id for v in store.select(STIX_OBJECTS, query)] == before
        cursor = store.select(STIX_OBJECTS, replace(query, limit=1000))[-1]
        after = (cursor.date_added.isoformat(timespec="milliseconds"), cursor.id)
        assert [v.id for v in store.select(STIX_OBJECTS, replace(query, after=after))] == before[
            1000:
        ]
        with store.transaction() as tx:  # writes by the old name land in the new index
            tx.put_stix_versions([_version(2500)])
        assert len(store.select(STIX_OBJECTS, query)) == 2501
        reported.clear()
        assert store.migrate(lambda what, n: reported.append((what, n))) == mappings.SCHEMA_VERSION
        assert reported == []  # nothing left to rebuild
    finally:
        drop_indices(store)


def test_a_new_store_creates_stix_objects_sorted(es_node: NodeAddress) -> None:
    store = es_store(es_node.urls)
    try:
        store.migrate()
        assert store._is_sorted("stix_objects")
        assert not store.es.indices.exists_alias(name=store.index("stix_objects"))
    finally:
        drop_indices(store)


def test_stix_objects_dated_to_the_millisecond_are_rebuilt_to_the_nanosecond(
    es_node: NodeAddress, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17, item 7: a schema-9 store kept date_added as a `date` (milliseconds): two
    objects added within one millisecond sorted and filtered as one instant. The upgrade
    rebuilds the index with date_added as date_nanos; every document is kept, and an
    `added_after` between the two now separates them."""
    store = es_store(es_node.urls)
    old = {
        "dynamic": "strict",
        "properties": {
            **mappings.MAPPINGS["stix_objects"]["properties"],
            "date_added": {"type": "date"},
        },
    }
    with monkeypatch.context() as patch:
        patch.setitem(mappings.MAPPINGS, "stix_objects", old)
        patch.setattr(es_module, "MIGRATIONS", {k: mappings.MIGRATIONS[k] for k in range(1, 10)})
        patch.setattr(es_module, "SCHEMA_VERSION", 9)
        assert store.migrate() == 9
    try:
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        versions = [
            replace(_version(n), date_added=t0 + timedelta(microseconds=100 * (n + 1)))
            for n in range(5)
        ]  # all within the first millisecond
        with store.transaction() as tx:
            tx.put_stix_versions(versions)
        reported: list[tuple[str, int]] = []
        assert store.migrate(lambda what, n: reported.append((what, n))) == mappings.SCHEMA_VERSION
        assert reported == [("stix_objects rebuilt", 5)]
        mapping = store.es.indices.get_mapping(index=store.index("stix_objects")).body
        [props] = [m["mappings"]["properties"] for m in mapping.values()]
        assert props["date_added"]["type"] == "date_nanos"
        query = Query(equals={"collection_id": "c1"}, order_by="date_added", limit=10)
        assert [v.id for v in store.select(STIX_OBJECTS, query)] == [v.id for v in versions]
        bound = (t0 + timedelta(microseconds=250)).isoformat()
        later = replace(query, newer=("date_added", bound))
        assert [v.id for v in store.select(STIX_OBJECTS, later)] == [v.id for v in versions[2:]]
        page = store.select(STIX_OBJECTS, replace(query, limit=2))
        cursor = (page[-1].date_added.isoformat(), page[-1].id)
        rest = store.select(STIX_OBJECTS, replace(query, after=cursor))
        assert [v.id for v in rest] == [v.id for v in versions[2:]]
        assert store.migrate() == mappings.SCHEMA_VERSION  # nothing left to rebuild
    finally:
        drop_indices(store)
