"""Elasticsearch-only: how commits survive a writer that dies, without ES transactions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devtools.esnode import Cluster
from hub.core.errors import StoreError
from hub.core.model import Organization, OrgKind, utcnow
from hub.core.store.codec import encode
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.elasticsearch.store import JOURNAL_ID, LOCK_ID
from tests.conftest import drop_indices, es_store

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es(es_node: Cluster) -> Iterator[ElasticsearchStore]:
    store = es_store(es_node.urls, lock_wait=2.0)
    store.migrate()
    yield store
    drop_indices(store)


def dead_writers_lease(store: ElasticsearchStore, *, expired: bool) -> None:
    until = datetime.now(UTC) + (timedelta(seconds=-1) if expired else timedelta(minutes=5))
    store.es.index(
        index=store.index("meta"),
        id=LOCK_ID,
        document={"owner": "dead-writer", "expires": until.isoformat()},
    )


def test_a_commit_left_in_the_journal_is_finished_by_the_next_writer(
    es: ElasticsearchStore,
) -> None:
    org = Organization.new("Half Written", OrgKind.AGENCY, utcnow())
    action = {"_index": es.index("organizations"), "_id": org.id, "_source": encode(org)}
    es.es.index(index=es.index("meta"), id=JOURNAL_ID, document={"actions": [action]})
    assert es.get_organization(org.id) is None

    with es.transaction():
        pass  # any next writer recovers first
    assert es.get_organization(org.id) == org
    assert es.list_organizations() == [org]
    assert not es.es.exists(index=es.index("meta"), id=JOURNAL_ID)


def test_an_expired_lease_is_taken_over(es: ElasticsearchStore) -> None:
    dead_writers_lease(es, expired=True)
    org = Organization.new("After The Crash", OrgKind.AGENCY, utcnow())
    with es.transaction() as tx:
        tx.put_organization(org)
    assert es.get_organization(org.id) == org
    assert not es.es.exists(index=es.index("meta"), id=LOCK_ID)


def test_a_live_lease_makes_writers_wait_then_fail_clearly(es: ElasticsearchStore) -> None:
    dead_writers_lease(es, expired=False)
    org = Organization.new("Blocked", OrgKind.AGENCY, utcnow())

    def write() -> None:
        with es.transaction() as tx:
            tx.put_organization(org)

    with pytest.raises(StoreError, match="store is busy"):
        write()
    assert es.get_organization(org.id) is None
    es.es.delete(index=es.index("meta"), id=LOCK_ID)
    write()
    assert es.get_organization(org.id) == org
