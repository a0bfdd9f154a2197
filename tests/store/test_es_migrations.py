"""Elasticsearch-only: a schema-2 cluster is upgraded in place; existing findings gain the
new fields (mappings only grow) and read back with them empty."""

from __future__ import annotations

import pytest

from devtools.esnode import Cluster
from hub.store.elasticsearch import mappings
from hub.store.elasticsearch import store as es_module
from tests.conftest import drop_indices, es_store

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
    es_node: Cluster, monkeypatch: pytest.MonkeyPatch
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
