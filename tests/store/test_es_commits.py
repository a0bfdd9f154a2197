"""Elasticsearch-only: how commits survive a writer that dies, without ES transactions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hub.core import audit
from hub.core.errors import StoreError
from hub.core.model import AuditDraft, AuditEntry, Organization, OrgKind, utcnow
from hub.core.store.codec import encode
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.elasticsearch.store import JOURNAL_ID, LOCK_ID, _Commit
from tests.conftest import drop_indices
from tests.indexsets import IndexSets

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es(index_sets: IndexSets) -> Iterator[ElasticsearchStore]:
    """A migrated set from the pool, whose writers give up after 2 s instead of 30."""
    store = index_sets.lend()
    store.lock_wait = 2.0
    yield store
    index_sets.take_back(store, drop_indices)


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
    es.es.index(index=es.index("meta"), id=JOURNAL_ID, document={"actions": [org_action(es, org)]})
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


def test_partitions_do_not_wait_on_each_other_but_one_partition_does(
    es: ElasticsearchStore,
) -> None:
    """Issue 20: no cluster-wide single writer. A transaction held open in one agency's
    partition blocks that partition only; both commits extend the one audit chain."""
    held = threading.Event()
    release = threading.Event()

    def hold_agency_a() -> None:
        with es.transaction("agency-a") as tx:
            tx.put_organization(Organization.new("Held", OrgKind.AGENCY, utcnow()))
            tx.append_audit(AuditDraft("t", "org.create", "held", "r1"))
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_agency_a)
    holder.start()
    try:
        assert held.wait(30)
        other = Organization.new("Other Agency", OrgKind.AGENCY, utcnow())
        with es.transaction("agency-b") as tx:  # not kept waiting by agency-a
            tx.put_organization(other)
            tx.append_audit(AuditDraft("t", "org.create", other.id, "r2"))
        assert es.get_organization(other.id) == other
        with pytest.raises(StoreError, match="store is busy"), es.transaction("agency-a"):
            pass
    finally:
        release.set()
        holder.join()
    entries = list(es.iter_audit())
    assert [e.request_id for e in entries] == ["r2", "r1"]
    assert audit.verify(entries).ok


def journal_of_dead_writer(
    es: ElasticsearchStore, org: Organization, *drafts: AuditDraft
) -> list[AuditEntry]:
    """A journal as a writer of partition `p` leaves it when it dies after writing it:
    the organization and the entries it was about to take after the chain's head."""
    head = es.audit_head()
    entries: list[AuditEntry] = []
    for d in drafts:
        entries.append(audit.chain(d, entries[-1] if entries else head))
    es.es.index(
        index=es.index("meta"),
        id=f"{JOURNAL_ID}:p",
        document={"actions": [org_action(es, org)], "audit": [encode(e) for e in entries]},
    )
    return entries


def half_committed(es: ElasticsearchStore, name: str) -> Organization:
    """A dead writer's journal of an organization and two entries, r1 and r2, of which it
    took the first (its commit point) and not the second."""
    org = Organization.new(name, OrgKind.AGENCY, utcnow())
    first, _ = journal_of_dead_writer(
        es,
        org,
        AuditDraft("t", "org.create", org.id, "r1"),
        AuditDraft("t", "org.note", org.id, "r2"),
    )
    es.es.create(index=es.index("audit"), id=str(first.seq), document=encode(first))
    return org


def test_a_writer_dead_before_its_commit_point_leaves_nothing(es: ElasticsearchStore) -> None:
    org = Organization.new("Never Acknowledged", OrgKind.AGENCY, utcnow())
    journal_of_dead_writer(es, org, AuditDraft("t", "org.create", org.id, "r1"))
    with es.transaction("p"):
        pass  # the partition's next writer looks at the journal first
    assert es.get_organization(org.id) is None
    assert es.audit_head() is None
    assert not es.es.exists(index=es.index("meta"), id=f"{JOURNAL_ID}:p")


def test_a_writer_dead_after_its_commit_point_is_finished(es: ElasticsearchStore) -> None:
    """Its first entry was taken (the commit point), its second not: the next writer of
    the partition applies its writes and appends the rest of its entries."""
    org = half_committed(es, "Half Committed")
    with es.transaction("p") as tx:
        tx.append_audit(AuditDraft("t", "later", "x", "r3"))
    assert es.get_organization(org.id) == org
    entries = list(es.iter_audit())
    assert [e.request_id for e in entries] == ["r1", "r2", "r3"]
    assert audit.verify(entries).ok


def test_concurrent_commits_of_many_partitions_land_once_in_one_chain(
    es: ElasticsearchStore,
) -> None:
    """Issue 20 goal 2: writers of eight agencies commit at once, so their commits are
    written in groups; every one lands once, the chain verifies, no journal or lease is
    left behind."""
    created: list[Organization] = []
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for n in range(6):
                org = Organization.new(f"Agency {w}-{n}", OrgKind.AGENCY, utcnow())
                with es.transaction(f"agency-{w}") as tx:
                    tx.put_organization(org)
                    tx.append_audit(AuditDraft("t", "org.create", org.id, f"r{w}-{n}"))
                created.append(org)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(o.id for o in es.list_organizations()) == sorted(o.id for o in created)
    entries = list(es.iter_audit())
    assert audit.verify(entries).ok
    assert sorted(e.request_id for e in entries) == sorted(
        f"r{w}-{n}" for w in range(8) for n in range(6)
    )
    es.es.indices.refresh(index=es.index("meta"))
    left = es.es.search(index=es.index("meta"), query={"match_all": {}}, size=100)["hits"]
    assert [h["_id"] for h in left["hits"] if h["_id"].startswith((JOURNAL_ID, LOCK_ID))] == []


def test_a_refused_write_fails_its_own_commit_not_the_rest_of_its_group(
    es: ElasticsearchStore,
) -> None:
    good = Organization.new("Good Agency", OrgKind.AGENCY, utcnow())
    refused = {  # the mapping is strict: an unknown field is refused
        "_index": es.index("organizations"),
        "_id": "bad",
        "_source": {"no_such_field": 1},
    }
    commits = [
        _Commit("a", [org_action(es, good)], [AuditDraft("t", "org.create", good.id, "r1")]),
        _Commit("b", [refused], [AuditDraft("t", "org.create", "bad", "r2")]),
    ]
    es._sequence(commits)
    es._apply_group(commits)
    assert commits[0].refused is None
    assert commits[1].refused is not None
    assert es.get_organization(good.id) == good
    assert not es.es.exists(index=es.index("meta"), id=f"{JOURNAL_ID}:a")
    # The refused one keeps its journal, for its partition's next writer to try again.
    assert es.es.exists(index=es.index("meta"), id=f"{JOURNAL_ID}:b")
    # Through a transaction, the writer learns it clearly.
    with pytest.raises(StoreError, match="refused by Elasticsearch"), es.transaction("c") as tx:
        tx.actions.append(refused)  # type: ignore[attr-defined]


def org_action(es: ElasticsearchStore, org: Organization) -> dict[str, object]:
    return {"_index": es.index("organizations"), "_id": org.id, "_source": encode(org)}


def test_a_recovery_that_dies_itself_still_reads_as_committed(
    es: ElasticsearchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next writer re-chains a half-committed journal's missing entries and writes
    the journal again before creating them: that journal must keep the entry already
    taken, or a writer dying at that point turns a committed transaction into one the
    following writer drops."""
    org = half_committed(es, "Twice Interrupted")

    def dies(entry: AuditEntry) -> bool:
        raise RuntimeError("the recovering writer died")

    with monkeypatch.context() as patch:
        patch.setattr(es, "_create_audit", dies)
        with pytest.raises(RuntimeError), es.transaction("p"):
            pass
    with es.transaction("p"):
        pass
    assert es.get_organization(org.id) == org
    entries = list(es.iter_audit())
    assert [e.request_id for e in entries] == ["r1", "r2"]
    assert audit.verify(entries).ok


def test_the_audit_chain_reads_in_full_though_commits_do_not_refresh_it(
    es: ElasticsearchStore,
) -> None:
    """Commits refresh what they wrote but not the audit index (refreshing it cost as much
    as the rest of a small commit); the chain's readers walk the tail the index does not
    show yet in real time, so a commit is in the chain as soon as it returns."""
    es.es.indices.put_settings(index=es.index("audit"), settings={"refresh_interval": "-1"})

    def commit(n: int) -> None:
        with es.transaction("p") as tx:
            tx.append_audit(AuditDraft("t", "note", str(n), f"r{n}"))

    for n in range(30):
        commit(n)
    es.es.indices.refresh(index=es.index("audit"))  # the index shows the first 30 ...
    for n in range(30, 100):  # ... and not the next 70: more than one real-time read
        commit(n)
    assert [e.request_id for e in es.iter_audit()] == [f"r{n}" for n in range(100)]
    assert [e.request_id for e in es.iter_audit(after_seq=25, limit=10)] == [
        f"r{n}" for n in range(25, 35)
    ]
    head = es.audit_head()
    assert head is not None and head.request_id == "r99"
    assert audit.verify(es.iter_audit()).ok
    assert es.counts().audit_entries == 100
