"""Elasticsearch implementation of the store.

Elasticsearch has no multi-document transactions, so a transaction here is: take the
writer lease of its partition (a document created with `op_type=create`, compare-and-set
when it expires), buffer the puts, write the batch as the partition's journal document
(a single-document write is atomic), take the audit entries' places in the one chain
(each created by its sequence number: the first one taken is the commit point), apply
the batch with bulk requests and clear the journal. A writer that dies leaves its
journal behind; the partition's next writer finishes it when its first entry is in the
chain and drops it otherwise. Every write is an idempotent put by a deterministic id, so
finishing twice is safe. Bulk requests are followed by a refresh of what they wrote, so
a search after a commit sees it; the audit index alone is not refreshed: its readers read
the chain's tail past the last refresh in real time. Partitions (an agency, or the hub)
let writers of different agencies commit at once; the chain is still one chain. The
concurrent commits of one process are written as a group (`group.py`): leases taken
together, one request of journals, one bulk, one refresh shared with whoever waits on one,
and one request clearing the journals and releasing the leases for all of them.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TlsError, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    ConflictError,
    Elasticsearch,
    JsonSerializer,
    NotFoundError,
    helpers,
)

from hub.core import audit, jsontext
from hub.core.errors import StoreError
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    AuditEntry,
    FindingCount,
    Organization,
    Package,
    StoreCounts,
    System,
)
from hub.core.packages import package_key
from hub.core.records.intel import IntelRecord, IntelSource
from hub.core.records.scores import ScoreRecord
from hub.core.settings import Settings
from hub.core.store.codec import JsonDoc, decode, encode, encode_time
from hub.core.store.elasticsearch.group import GroupCommit
from hub.core.store.elasticsearch.mappings import (
    MAPPINGS,
    MIGRATIONS,
    NANOS,
    SCHEMA_VERSION,
    SORTED,
)
from hub.core.store.interface import (
    HUB,
    AnyOf,
    In,
    Kind,
    Progress,
    Query,
    Store,
    Transaction,
    quiet,
)

T = TypeVar("T")


class _Json(JsonSerializer):
    """Requests and responses through hub.core.jsontext (orjson, standard library fallback):
    decoding search hits is most of a page's work."""

    def json_dumps(self, data: Any) -> bytes:
        return jsontext.dumps(data).encode()

    def json_loads(self, data: bytes) -> Any:
        return jsontext.loads(data)


SUPPORTED_MAJOR = 8
LOCK_ID = "writer-lock"
JOURNAL_ID = "journal"
MIGRATING_ID = "migrating"
INTEL_STAMP_ID = "intel-stamp"
LOCK_LEASE = timedelta(seconds=120)
LOCK_WAIT = 30.0
PAGE = 1000
FORWARD = 64  # entries read at once when walking the audit chain's tail in real time
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _lock_id(partition: str) -> str:
    """The hub partition keeps the names of the single lease it replaced."""
    return LOCK_ID if partition == HUB else f"{LOCK_ID}:{partition}"


def _journal_id(partition: str) -> str:
    return JOURNAL_ID if partition == HUB else f"{JOURNAL_ID}:{partition}"


def _found(doc: JsonDoc) -> bool:
    return bool(doc.get("found"))


def _draft(entry: AuditEntry) -> AuditDraft:
    return AuditDraft(
        entry.actor, entry.action, entry.target, entry.request_id, entry.detail, entry.at
    )


def _condition(condition: In | AnyOf) -> JsonDoc:
    """The query clause for one `where` condition (terms match any element of a list)."""
    if isinstance(condition, AnyOf):
        groups = [{"bool": {"filter": [_condition(c) for c in g]}} for g in condition.groups]
        return {"bool": {"should": groups, "minimum_should_match": 1}}
    return {"terms": {condition.field: list(condition.values)}}


def _lease_document(owner: str) -> JsonDoc:
    return {"owner": owner, "expires": (datetime.now(UTC) + LOCK_LEASE).isoformat()}


class _Lease:
    """A writer's lease on its partition: taken in a group with other writers' leases
    (`ElasticsearchStore._take_leases`) and released with its commit's group, so that a
    small commit costs the cluster no request of its own."""

    def __init__(self, store: ElasticsearchStore, partition: str, owner: str) -> None:
        self._store = store
        self.partition = partition
        self.lock_id = _lock_id(partition)
        self.document = _lease_document(owner)
        self.held: Any = None  # the lease as written: its _seq_no and _primary_term
        self.found: tuple[Any, Any] | None = None  # journal, migration barrier
        self.released = False

    def version(self) -> dict[str, int]:
        return {"if_seq_no": self.held["_seq_no"], "if_primary_term": self.held["_primary_term"]}

    def renew(self) -> None:
        """Extend the lease: work longer than it (a big rebuild) keeps the lock."""
        self.document = _lease_document(self.document["owner"])
        try:
            self.held = self._store._replace_lease(self.lock_id, self.held, self.document)
        except ConflictError:
            raise StoreError(
                "lost the writer lock to another writer during a long operation",
                hint="make sure one migration runs at a time, then run it again",
            ) from None


@dataclass(eq=False)
class _Commit:
    """What one transaction writes, handed to the group commit; `entries` collects the
    audit entries it has taken in the chain."""

    partition: str
    actions: list[JsonDoc]
    drafts: list[AuditDraft]
    lease: _Lease | None = None
    entries: list[AuditEntry] = field(default_factory=list)
    refused: helpers.BulkIndexError | None = None


class _EsTransaction(Transaction):
    """Buffers puts as bulk actions; nothing reaches the cluster before commit."""

    def __init__(self, store: ElasticsearchStore) -> None:
        self._store = store
        self.actions: list[JsonDoc] = []
        self.drafts: list[AuditDraft] = []
        self.imported: list[AuditEntry] = []

    def _put(self, kind: str, doc_id: str, source: JsonDoc) -> None:
        self.actions.append({"_index": self._store.index(kind), "_id": doc_id, "_source": source})

    def put_organization(self, org: Organization) -> None:
        self._put("organizations", org.id, encode(org))

    def put_system(self, system: System) -> None:
        self._put("systems", system.id, encode(system))

    def put_asset(self, asset: Asset) -> None:
        self._put("assets", asset.id, encode(asset))

    def _put_packages(
        self,
        kind: str,
        owner: str,
        owner_id: str,
        packages: Sequence[Package],
        **extra: Any,
    ) -> None:
        ordered = sorted(packages, key=lambda p: p.purl)
        self._put(
            kind,
            owner_id,
            {
                owner: owner_id,
                "purls": [p.purl for p in ordered],
                "count": len(ordered),
                "packages": [encode(p) for p in ordered],
                **extra,
            },
        )

    def put_asset_packages(self, asset_id: str, packages: Sequence[Package]) -> None:
        keys = sorted({k for p in packages if (k := package_key(p.purl))})
        self._put_packages("asset-packages", "asset_id", asset_id, packages, keys=keys)

    def put_sbom_packages(self, sbom_id: str, packages: Sequence[Package]) -> None:
        self._put_packages("sbom-packages", "sbom_id", sbom_id, packages)

    def put_token(self, token: ApiToken) -> None:
        self._put("tokens", token.id, encode(token))

    def _put_many(self, kind: Kind[T], items: Sequence[T]) -> None:
        for item in items:
            self._put(kind.name, getattr(item, "id"), encode(item))  # noqa: B009

    def put_intel(self, records: Sequence[IntelRecord]) -> None:
        super().put_intel(records)
        if records:  # committed with the records, so a reader never sees one without the other
            self._put("meta", INTEL_STAMP_ID, {"stamp": uuid.uuid4().hex})

    def append_audit(self, draft: AuditDraft) -> None:
        self.drafts.append(draft)  # chained at commit, after whatever committed meanwhile

    def import_audit(self, entry: AuditEntry) -> None:
        self.imported.append(entry)


class ElasticsearchStore(Store):
    name = "elasticsearch"

    def __init__(
        self,
        urls: Sequence[str],
        *,
        prefix: str = "crsa",
        api_key: str = "",
        username: str = "",
        password: str = "",
        ca_file: str = "",
        shards: int = 1,
        replicas: int = 0,
        timeout: int = 30,
        lock_wait: float = LOCK_WAIT,
    ) -> None:
        self.urls = list(urls)
        self.lock_wait = lock_wait
        self.prefix = prefix
        self.shards = shards
        self.replicas = replicas
        self._options: dict[str, Any] = {
            "serializer": _Json(),
            "request_timeout": timeout,
            "retry_on_timeout": True,
            "max_retries": 5,
            "retry_on_status": (429, 502, 503, 504),
        }
        if api_key:
            self._options["api_key"] = api_key
        if username:
            self._options["basic_auth"] = (username, password)
        if ca_file:
            self._options["ca_certs"] = ca_file
        self._es: Elasticsearch | None = None
        self._last_tip: AuditEntry | None = None  # a hint: where this process saw the chain end
        self._group = GroupCommit(self._sequence, self._apply_group)
        self._leases = GroupCommit(self._take_leases)
        self._refreshes = GroupCommit(self._refresh)
        self._partition_locks: dict[str, threading.Lock] = {}
        self._partition_locks_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchStore:
        return cls(
            [u.strip() for u in settings.es_url.split(",") if u.strip()],
            prefix=settings.es_index_prefix,
            api_key=settings.es_api_key,
            username=settings.es_username,
            password=settings.es_password,
            ca_file=settings.es_ca_file,
            shards=settings.es_shards,
            replicas=settings.es_replicas,
            timeout=settings.es_timeout,
        )

    # Connection ----------------------------------------------------------------
    @property
    def es(self) -> Elasticsearch:
        if self._es is None:
            client = Elasticsearch(self.urls, **self._options)
            self._check_version(client)
            self._es = client
        return self._es

    def _check_version(self, client: Elasticsearch) -> None:
        try:
            nodes = client.nodes.info(metric="_none")["nodes"]
        except TlsError as exc:
            raise StoreError(
                f"TLS with Elasticsearch at {', '.join(self.urls)} failed: {exc.message}",
                hint="set CRSA_ES_CA_FILE to the CA certificate that signed the cluster's",
            ) from None
        except TransportConnectionError as exc:
            raise StoreError(
                f"cannot reach Elasticsearch at {', '.join(self.urls)}: {exc.message}",
                hint="start the cluster or set CRSA_ES_URL to where it runs",
            ) from None
        except AuthenticationException:
            raise StoreError(
                "Elasticsearch refused the credentials",
                hint="check CRSA_ES_API_KEY or CRSA_ES_USERNAME / CRSA_ES_PASSWORD",
            ) from None
        except (ApiError, TransportError) as exc:
            raise StoreError(f"Elasticsearch answered with an error: {exc}") from None
        versions = sorted({n["version"] for n in nodes.values()})
        unsupported = [v for v in versions if int(v.split(".")[0]) != SUPPORTED_MAJOR]
        if unsupported:
            raise StoreError(
                f"Elasticsearch {', '.join(unsupported)} is not supported;"
                f" crsa-hub needs {SUPPORTED_MAJOR}.x",
                hint="point CRSA_ES_URL at an Elasticsearch 8 cluster",
            )

    def close(self) -> None:
        if self._es is not None:
            self._es.close()
            self._es = None

    def index(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Cluster failures become StoreError, so callers never see a client exception."""
        try:
            yield
        except StoreError:
            raise
        except TransportConnectionError as exc:
            raise StoreError(f"lost the connection to Elasticsearch: {exc.message}") from None
        except helpers.BulkIndexError as exc:
            first = exc.errors[0] if exc.errors else {}
            raise StoreError(
                f"{len(exc.errors)} writes refused by Elasticsearch: {first}"
            ) from None
        except (ApiError, TransportError) as exc:
            raise StoreError(f"Elasticsearch error: {exc}") from None

    # Schema --------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._errors():
            try:
                doc = self.es.get(index=self.index("meta"), id="schema")
            except NotFoundError:
                return 0
            return int(doc["_source"]["version"])

    def latest_schema(self) -> int:
        return SCHEMA_VERSION

    def migrate(self, progress: Progress = quiet) -> int:
        current = self.schema_version()
        # Every mapping is the latest (mappings only grow), so each kind a missing version
        # touches is installed once; concurrently, since creating an index mostly waits
        # for its shard to start (31 indices: 3.4 s one by one).
        kinds = list(
            dict.fromkeys(k for v, ks in sorted(MIGRATIONS.items()) if v > current for k in ks)
        )
        with self._errors():
            with ThreadPoolExecutor(max_workers=8) as pool:
                rebuild = [
                    k
                    for k, stale in zip(kinds, pool.map(self._install, kinds), strict=True)
                    if stale
                ]
            if kinds:
                self.es.cluster.health(
                    index=",".join(self.index(k) for k in kinds),
                    wait_for_status="yellow",
                    timeout="60s",
                )
            # Only under the lease: replaying a live writer's journal after a newer commit
            # would put older values back, and a rebuild must not miss a commit.
            with self._writer_lock() as lease:
                self._recover(found=lease.found)
                if rebuild:
                    with self._partitions_held(lease.renew) as hold:
                        for kind in rebuild:
                            if self._stale(kind):  # another migration may have done it
                                self._rebuild(kind, hold, progress)
            if current < SCHEMA_VERSION:
                self.es.index(
                    index=self.index("meta"), id="schema", document={"version": SCHEMA_VERSION}
                )
        return SCHEMA_VERSION

    @contextmanager
    def writers_held(self) -> Iterator[Callable[[], None]]:
        """Every writer of every partition kept out, as a migration keeps them: the quiet
        in which a backup's snapshot captures its shards and reads the audit head and
        counts it records. Yields the renewal to call while waiting in it."""
        with self._errors(), self._writer_lock() as lease:
            self._recover(found=lease.found)
            with self._partitions_held(lease.renew) as hold:
                yield hold

    @contextmanager
    def _partitions_held(self, renew: Callable[[], None]) -> Iterator[Callable[[], None]]:
        """Keep every partition's writers out while an index is rebuilt (the hub lease
        keeps out only the hub's): a barrier they check when they take their lease, then
        a wait until the leases taken before it are released."""
        meta = self.index("meta")

        def barrier() -> None:
            renew()
            until = (datetime.now(UTC) + LOCK_LEASE).isoformat()
            self.es.index(index=meta, id=MIGRATING_ID, document={"expires": until})

        barrier()
        deadline = time.monotonic() + self.lock_wait
        while self._partition_leases():
            if time.monotonic() > deadline:
                self.es.delete(index=meta, id=MIGRATING_ID)
                raise StoreError(
                    "the store is busy: writers kept their partitions while the migration"
                    f" waited {self.lock_wait:.0f} s",
                    hint="retry the migration shortly",
                )
            time.sleep(0.2)
        try:
            yield barrier
        finally:
            with suppress(NotFoundError):
                self.es.delete(index=meta, id=MIGRATING_ID)

    def _meta_documents(self) -> list[JsonDoc]:
        """Every document of the meta index, as of now (it holds a few dozen)."""
        meta = self.index("meta")
        self.es.indices.refresh(index=meta)
        hits: list[JsonDoc] = self.es.search(index=meta, size=10_000, query={"match_all": {}})[
            "hits"
        ]["hits"]
        return hits

    def _partition_leases(self) -> list[str]:
        """Partition leases still live."""
        now = datetime.now(UTC)
        return [
            h["_id"]
            for h in self._meta_documents()
            if h["_id"].startswith(f"{LOCK_ID}:")
            and datetime.fromisoformat(h["_source"]["expires"]) > now
        ]

    def release_every_lease(self) -> None:
        """Drop every writer lease and the migration barrier, live or not: for a store
        restored from a snapshot taken while they held its writers out, where no writer
        holds them any more. Journals stay: the next writer finishes or drops them."""
        with self._errors():
            for hit in self._meta_documents():
                if hit["_id"] == MIGRATING_ID or hit["_id"].split(":")[0] == LOCK_ID:
                    self.es.delete(index=self.index("meta"), id=hit["_id"], refresh=True)

    def _install(self, kind: str) -> bool:
        """The kind's template and index (created, or its mapping brought up to date);
        whether the index still needs rebuilding (sorted, or with a field's type changed,
        which no mapping update can do)."""
        self.es.indices.put_index_template(
            name=self.index(kind),
            index_patterns=[self.index(kind)],
            priority=100,
            template={"settings": self._settings(kind), "mappings": MAPPINGS[kind]},
        )
        if not self.es.indices.exists(index=self.index(kind)):
            self.es.indices.create(index=self.index(kind))
            return False  # made from the template: sorted and mapped as it should be
        stale = self._stale(kind)
        if kind != "meta" and not stale:
            self.es.indices.put_mapping(
                index=self.index(kind), properties=MAPPINGS[kind]["properties"]
            )
        return stale

    def _stale(self, kind: str) -> bool:
        """Whether the index must be rebuilt: not sorted as SORTED says, or a field
        mapped with another type than MAPPINGS gives it (date_added: date_nanos)."""
        if kind == "meta":
            return False
        if kind in SORTED and not self._is_sorted(kind):
            return True
        found = self.es.indices.get_mapping(index=self.index(kind)).body
        have = next(iter(found.values()))["mappings"].get("properties", {})
        want = MAPPINGS[kind]["properties"]
        return any(
            name in have and have[name].get("type", "object") != spec.get("type", "object")
            for name, spec in want.items()
        )

    def _settings(self, kind: str) -> JsonDoc:
        settings: JsonDoc = {
            "number_of_shards": 1 if kind == "meta" else self.shards,
            "number_of_replicas": self.replicas,
        }
        if kind in SORTED:
            settings["sort.field"] = list(SORTED[kind])
            settings["sort.order"] = ["asc"] * len(SORTED[kind])
        return settings

    def _is_sorted(self, kind: str) -> bool:
        # Only sorted indices answer: an unsorted one is left out of the response.
        found = self.es.indices.get_settings(index=self.index(kind), name="index.sort.field")
        return bool(found.body)

    def _rebuild(self, kind: str, renew: Callable[[], None], progress: Progress) -> None:
        """Copy a stale index into one made with the latest settings and mapping (every
        document parsed again: dates into date_nanos), then swap them in one step: the old
        index is deleted and its name becomes an alias of the new one, atomically, so every
        read and write by that name finds all the documents. A copy cut short is started
        over (the stale target is dropped first); the writer lock keeps commits out."""
        name = self.index(kind)
        concrete = next(iter(self.es.indices.get(index=name).body))
        target = f"{name}-s{SCHEMA_VERSION}"
        if concrete == target:
            target = f"{name}-s{SCHEMA_VERSION}-{uuid.uuid4().hex[:8]}"
        self.es.indices.delete(index=target, ignore_unavailable=True)
        self.es.indices.create(index=target, settings=self._settings(kind), mappings=MAPPINGS[kind])
        hits = helpers.scan(self.es, index=name, size=PAGE, preserve_order=False)
        while chunk := list(itertools.islice(hits, PAGE)):
            helpers.bulk(
                self.es,
                ({"_index": target, "_id": h["_id"], "_source": h["_source"]} for h in chunk),
                chunk_size=PAGE,
            )
            progress(f"{kind} rebuilt", len(chunk))
            renew()
        self.es.indices.refresh(index=target)
        self.es.indices.update_aliases(
            actions=[
                {"remove_index": {"index": concrete}},
                {"add": {"index": target, "alias": name}},
            ]
        )

    # Writes --------------------------------------------------------------------
    @contextmanager
    def _writer_lock(self, partition: str = HUB) -> Iterator[_Lease]:
        """The partition's lease. Threads of this process wanting the same partition
        queue on a lock of their own first, so that one of them at a time asks the
        cluster (many polling one lease made every lease request slower)."""
        with self._partition_locks_lock:
            local = self._partition_locks.setdefault(partition, threading.Lock())
        if not local.acquire(timeout=self.lock_wait):
            raise StoreError(
                f"the store is busy: another writer held the lock for {self.lock_wait:.0f} s",
                hint="retry shortly",
            )
        try:
            with self._cluster_lease(partition) as lease:
                yield lease
        finally:
            local.release()

    @contextmanager
    def _cluster_lease(self, partition: str) -> Iterator[_Lease]:
        lock_id = _lock_id(partition)
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_wait
        delay = 0.01
        while True:
            lease = _Lease(self, partition, owner)
            self._leases.submit(lease)
            if lease.held is not None:
                break
            try:
                current = self.es.get(index=self.index("meta"), id=lock_id)
            except NotFoundError:
                continue
            if current["_source"]["owner"] == owner:
                # The client retried our create (a node failed mid-request) and the
                # first attempt had landed: the lease is ours.
                lease.held = current
                break
            if datetime.fromisoformat(current["_source"]["expires"]) < datetime.now(UTC):
                try:  # the holder died: take the lease over, compare-and-set
                    lease.held = self._replace_lease(lock_id, current, lease.document)
                    break
                except ConflictError:
                    continue
            if time.monotonic() > deadline:
                raise StoreError(
                    f"the store is busy: another writer held the lock for {self.lock_wait:.0f} s",
                    hint="retry shortly",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        try:
            yield lease
        finally:
            # Released already with its group's commit, or expired and taken over: then
            # there is nothing of ours to release.
            if not lease.released:
                with suppress(NotFoundError, ConflictError):
                    self.es.delete(
                        index=self.index("meta"),
                        id=lock_id,
                        if_seq_no=lease.held["_seq_no"],
                        if_primary_term=lease.held["_primary_term"],
                    )

    def _take_leases(self, leases: Sequence[_Lease]) -> None:
        """Create the leases of one group (`GroupCommit`) in one request, then read what
        their writers read first (the partition's journal, the migration barrier) in one
        more. A lease another writer holds comes back without `held`."""
        meta = self.index("meta")
        operations: list[JsonDoc] = []
        for lease in leases:
            operations += [{"create": {"_index": meta, "_id": lease.lock_id}}, lease.document]
        items = self.es.bulk(operations=operations)["items"]
        for lease, item in zip(leases, items, strict=True):
            result = item["create"]
            if "error" not in result:
                lease.held = result
            elif result.get("status") != 409:
                raise StoreError(f"could not take a writer lease: {result['error']}")
        taken = [lease for lease in leases if lease.held is not None]
        if taken:
            ids = [_journal_id(lease.partition) for lease in taken] + [MIGRATING_ID]
            docs = self.es.mget(index=meta, ids=ids)["docs"]
            for lease, journal in zip(taken, docs, strict=False):
                lease.found = (journal, docs[-1])

    def _replace_lease(self, lock_id: str, current: Any, lease: JsonDoc) -> Any:
        """Write `lease` over the lock document as it was read, or ConflictError."""
        return self.es.index(
            index=self.index("meta"),
            id=lock_id,
            document=lease,
            if_seq_no=current["_seq_no"],
            if_primary_term=current["_primary_term"],
        )

    def _apply(self, actions: list[JsonDoc], also: Sequence[str] = ()) -> None:
        """Bulk-write, then refresh the indices written once, so the next search reads them.

        An explicit refresh rather than `refresh=wait_for`: a commit would otherwise wait up
        to a whole refresh interval, and commits here are few and large (batches).
        """
        if actions:
            helpers.bulk(self.es, actions, chunk_size=2000, max_chunk_bytes=20 * 1024 * 1024)
        touched = tuple(sorted({a["_index"] for a in actions} | set(also)))
        if touched:
            self._refreshes.submit(touched)

    def _refresh(self, requests: Sequence[tuple[str, ...]]) -> None:
        """One refresh for every writer waiting on one (`GroupCommit`): each of them had
        its bulk acknowledged before it asked, so a refresh started now shows them all.
        Refreshes were the largest cost of small commits (`bench/commits`), and
        concurrent ones slowed each other down."""
        self.es.indices.refresh(index=",".join(sorted({i for r in requests for i in r})))

    def _recover(self, partition: str = HUB, found: tuple[Any, Any] | None = None) -> None:
        """Finish the commit a dead writer of this partition left in its journal, or drop
        it if the writer died before its commit point (nothing of it was acknowledged).
        `found`: the journal and the migration barrier, if read with the lease."""
        if found is None:
            ids = [_journal_id(partition), MIGRATING_ID]
            found = tuple(self.es.mget(index=self.index("meta"), ids=ids)["docs"])
        journal, migrating = (d if d.get("found") else None for d in found)
        if (
            partition != HUB
            and migrating is not None
            and datetime.fromisoformat(migrating["_source"]["expires"]) > datetime.now(UTC)
        ):
            raise StoreError(
                "the store is being migrated (crsa migrate rebuilds an index)",
                hint="retry when the migration has finished",
            )
        if journal is None:
            return
        source = journal["_source"]
        entries = [decode(AuditEntry, e) for e in source.get("audit", [])]
        if entries and not self._holds(entries[0]):
            self._clear_journals([partition])  # died before its first entry was taken
            return
        # Committed: the rest of its entries go where the chain now ends. The journal
        # keeps the entries already taken, so that dying again here still reads as
        # committed.
        missing = [e for e in entries[1:] if not self._holds(e)]
        if missing:
            taken = [e for e in entries if e not in missing]
            self._sequence(
                [_Commit(partition, source["actions"], list(map(_draft, missing)), entries=taken)]
            )
        self._apply(source["actions"], also=[self.index("audit")] if entries else ())
        self._clear_journals([partition])

    def _clear_journals(self, partitions: Sequence[str], leases: Sequence[_Lease] = ()) -> None:
        """Delete the journals of committed partitions and, in the same request, release
        the leases given (compare-and-set: an expired lease taken over is not ours)."""
        if not (partitions or leases):
            return
        meta = self.index("meta")
        operations: list[JsonDoc] = [
            {"delete": {"_index": meta, "_id": _journal_id(p)}} for p in partitions
        ]
        operations += [
            {"delete": {"_index": meta, "_id": lease.lock_id, **lease.version()}}
            for lease in leases
        ]
        answer = self.es.bulk(operations=operations)
        for lease in leases:
            lease.released = True
        # Not found: a retried delete whose first attempt landed.
        journals = answer["items"][: len(partitions)]
        failed = [i for i in journals if i["delete"].get("status") not in (200, 404)]
        if failed:
            raise StoreError(f"could not clear a commit's journal: {failed[0]['delete']}")

    def _holds(self, entry: AuditEntry) -> bool:
        """Whether the chain has this very entry at its place."""
        found = self._following(entry.seq - 1, 1)
        return bool(found) and found[0].hash == entry.hash

    def _tip(self) -> AuditEntry | None:
        """The chain's last entry now: from the last one this process saw (or a search),
        then forward by real-time GETs over what other writers appended since."""
        tip = self._last_tip
        if tip is not None:
            # It and what follows it, in one request.
            following = self._following(tip.seq - 1)
            if following and following[0].hash == tip.hash:
                tip = following[-1]
                return tip if len(following) < FORWARD else self._last_of(tip)
            # Not this store's chain any more (its indices were replaced).
        return self.audit_head()

    def _following(self, after_seq: int, count: int = FORWARD) -> list[AuditEntry]:
        """The entries after `after_seq`, up to `count` of them, read in real time (an
        `mget`, not a search): they may be newer than the audit index's last refresh."""
        ids = [str(seq) for seq in range(after_seq + 1, after_seq + 1 + count)]
        docs = self.es.mget(index=self.index("audit"), ids=ids)["docs"]
        return [decode(AuditEntry, d["_source"]) for d in itertools.takewhile(_found, docs)]

    def _last_of(self, tip: AuditEntry | None) -> AuditEntry | None:
        """The chain's end, from `tip` forward in real time."""
        while following := self._following(0 if tip is None else tip.seq):
            tip = following[-1]
            if len(following) < FORWARD:
                break
        return tip

    def _sequence(self, commits: Sequence[_Commit]) -> None:
        """Write the commits' journals and give their drafts places in the one audit
        chain, in the order of the group. Each entry is created by its sequence number
        (`op_type=create`), so two writers can never both take one: the loser chains
        again after the winner, and rewrites the journals of the commits whose entries
        moved. A journal names its entries before the first is created, which is the
        commit point a recovering writer checks; a commit without entries is committed
        once its journal is written."""
        pending = [(c, d) for c in commits for d in c.drafts]
        journals = list(commits)
        tip = self._tip() if pending else None
        taken = False
        while True:
            chained: list[tuple[_Commit, AuditEntry]] = []
            for commit, draft in pending:
                chained.append((commit, audit.chain(draft, chained[-1][1] if chained else tip)))
            self._write_journals(journals, chained)
            created = 0
            for commit, entry in chained:
                if not self._create_audit(entry):
                    break  # another writer took this place: chain the rest after it
                commit.entries.append(entry)
                tip, taken, created = entry, True, created + 1
            pending = pending[created:]
            if not pending:
                break
            journals = list(dict.fromkeys(c for c, _ in pending))
            tip = self._tip()
        if taken:
            self._last_tip = tip

    def _create_audit(self, entry: AuditEntry) -> bool:
        try:
            self.es.create(index=self.index("audit"), id=str(entry.seq), document=encode(entry))
        except ConflictError:
            # Taken, unless by our own first attempt that the client retried.
            return self._holds(entry)
        return True

    def _write_journals(
        self, commits: Sequence[_Commit], chained: Sequence[tuple[_Commit, AuditEntry]]
    ) -> None:
        """One journal document per partition, all in one request."""
        meta = self.index("meta")
        actions = []
        for commit in commits:
            entries = commit.entries + [e for c, e in chained if c is commit]
            document: JsonDoc = {"actions": commit.actions}
            if entries:
                document["audit"] = [encode(e) for e in entries]
            actions.append(
                {"_index": meta, "_id": _journal_id(commit.partition), "_source": document}
            )
        helpers.bulk(self.es, actions, chunk_size=2000, max_chunk_bytes=20 * 1024 * 1024)

    def _import(self, partition: str, actions: list[JsonDoc], entries: list[AuditEntry]) -> None:
        """Entries copied verbatim from another store: each must extend the chain as is."""
        tip = self._tip()
        for entry in entries:
            refused = audit.extends(entry, tip)
            if refused:
                raise StoreError(refused)
            tip = entry
        self._write_journals([_Commit(partition, actions, [], entries=entries)], [])
        for entry in entries:
            if not self._create_audit(entry):
                raise StoreError(f"audit entry {entry.seq} was written by another writer")
        self._last_tip = tip

    def _apply_group(self, commits: Sequence[_Commit]) -> None:
        """The commits of one group (`GroupCommit`), once `_sequence` has written their
        journals and taken their places in the chain: their partitions' leases are held
        by the threads waiting on them, so only the round trips are shared."""
        # The audit index is not refreshed: its readers walk the chain's tail in real time
        # (`_following`), and refreshing it with every commit cost as much as the rest.
        try:
            self._apply([a for c in commits for a in c.actions])
        except helpers.BulkIndexError:
            if len(commits) == 1:
                raise
            # A write refused by Elasticsearch fails its own commit, not its neighbours':
            # each is applied again alone (puts by id are idempotent).
            for commit in commits:
                try:
                    self._apply(commit.actions)
                except helpers.BulkIndexError as exc:
                    commit.refused = exc
        # A refused commit keeps its journal, as a lone one always did: the partition's
        # next writer tries it again.
        committed = [c for c in commits if c.refused is None]
        leases = [c.lease for c in committed if c.lease is not None]
        self._clear_journals([c.partition for c in committed], leases)

    @contextmanager
    def _transaction(self, partition: str = HUB) -> Iterator[Transaction]:
        with self._errors(), self._writer_lock(partition) as lease:
            self._recover(partition, lease.found)
            tx = _EsTransaction(self)
            yield tx
            if not (tx.actions or tx.drafts or tx.imported):
                return
            if tx.imported:
                self._import(partition, tx.actions, tx.imported)
                self._apply(tx.actions, also=[self.index("audit")])
                self._clear_journals([partition])
            else:
                commit = _Commit(partition, tx.actions, tx.drafts, lease)
                self._group.submit(commit)
                if commit.refused is not None:
                    raise commit.refused

    # Reads ---------------------------------------------------------------------
    def _get(self, kind: str, doc_id: str) -> JsonDoc | None:
        if not doc_id:
            return None  # no document has an empty id (SQLite answers the same)
        with self._errors():
            try:
                source: JsonDoc = self.es.get(index=self.index(kind), id=doc_id)["_source"]
                return source
            except NotFoundError:
                return None

    def _search(
        self,
        kind: str,
        filters: list[JsonDoc],
        sort: list[JsonDoc],
        limit: int,
        after: list[Any] | None = None,
    ) -> list[JsonDoc]:
        with self._errors():
            result = self.es.search(
                index=self.index(kind),
                query={"bool": {"filter": filters}} if filters else {"match_all": {}},
                sort=sort,
                size=limit,
                search_after=after,
                track_total_hits=False,
            )
        return [hit["_source"] for hit in result["hits"]["hits"]]

    def _fetch(self, kind: Kind[T], item_id: str) -> T | None:
        doc = self._get(kind.name, item_id)
        return None if doc is None else decode(kind.cls, doc)

    @staticmethod
    def _filters(query: Query) -> list[JsonDoc]:
        """The query's conditions as filter clauses (all but order, cursor and limit)."""
        filters: list[JsonDoc] = [{"term": {k: v}} for k, v in query.equals.items()]
        if query.ids is not None:
            filters.append({"terms": {"id": list(query.ids)}})
        if query.not_since is not None:
            field, before = query.not_since
            filters.append(
                {
                    "bool": {
                        "should": [
                            {"range": {field: {"lt": before}}},
                            {"bool": {"must_not": {"exists": {"field": field}}}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            )
        filters += [_condition(c) for c in query.where]
        if query.newer is not None:
            filters.append({"range": {query.newer[0]: {"gt": query.newer[1]}}})
        if query.older is not None:
            filters.append({"range": {query.older[0]: {"lt": query.older[1]}}})
        return filters

    def _select_page(self, kind: Kind[T], query: Query) -> list[T]:
        body = self._search_body(query)
        with self._errors():
            result = self.es.search(index=self.index(kind.name), **body)
        return [decode(kind.cls, hit["_source"]) for hit in result["hits"]["hits"]]

    def _search_body(self, query: Query) -> JsonDoc:
        """The search for a `Query`: its filters, its order with `id` breaking ties, and
        its cursor as `search_after`."""
        filters = self._filters(query)
        after: list[Any] | None = None
        if query.order_by == "id":
            sort: list[JsonDoc] = [{"id": "asc"}]
            after = None if query.after is None else [query.after]
        else:
            sort = [{query.order_by: "asc"}, {"id": "asc"}]
            if isinstance(query.after, tuple):  # dates sort as epoch milli- or nanoseconds
                at = datetime.fromisoformat(query.after[0]) - EPOCH
                micros = at // timedelta(microseconds=1)
                nanos = query.order_by in NANOS
                after = [micros * 1000 if nanos else micros // 1000, query.after[1]]
        body: JsonDoc = {
            "query": {"bool": {"filter": filters}} if filters else {"match_all": {}},
            "sort": sort,
            "size": query.limit,
            "track_total_hits": False,
        }
        if after is not None:
            body["search_after"] = after
        return body

    def _select_pages(self, reads: Sequence[tuple[Kind[Any], Query]]) -> list[list[Any]]:
        """One multi-search: every read of a TAXII request in one round trip."""
        searches: list[JsonDoc] = []
        for kind, query in reads:
            searches += [{"index": self.index(kind.name)}, self._search_body(query)]
        with self._errors():
            result = self.es.msearch(searches=searches)
        answers: list[list[Any]] = []
        for (kind, _), response in zip(reads, result["responses"], strict=True):
            if "error" in response:
                raise StoreError(f"Elasticsearch error: {response['error']}")
            answers.append([decode(kind.cls, hit["_source"]) for hit in response["hits"]["hits"]])
        return answers

    def list_asset_packages(self, asset_id: str) -> list[Package]:
        doc = self._get("asset-packages", asset_id)
        return [] if doc is None else [decode(Package, p) for p in doc["packages"]]

    def list_sbom_packages(self, sbom_id: str) -> list[Package]:
        doc = self._get("sbom-packages", sbom_id)
        return [] if doc is None else [decode(Package, p) for p in doc["packages"]]

    def _ids(self, kind: str, field: str, filters: list[JsonDoc], extra: str = "") -> list[JsonDoc]:
        """Every hit's `field` (and `extra`), paged with search_after, sources trimmed."""
        found: list[JsonDoc] = []
        after: list[Any] | None = None
        includes = [field, extra] if extra else [field]
        with self._errors():
            while True:
                result = self.es.search(
                    index=self.index(kind),
                    query={"bool": {"filter": filters}},
                    sort=[{field: "asc"}],
                    size=PAGE * 10,
                    search_after=after,
                    source_includes=includes,
                    track_total_hits=False,
                )
                hits = result["hits"]["hits"]
                found += [h["_source"] for h in hits]
                if len(hits) < PAGE * 10:
                    return found
                after = hits[-1]["sort"]

    def assets_matching(self, keys: Sequence[str]) -> list[str]:
        if not keys:
            return []
        hits = self._ids("asset-packages", "asset_id", [{"terms": {"keys": sorted(set(keys))}}])
        return [d["asset_id"] for d in hits]

    def assets_running(self, purl: str) -> list[str]:
        return [
            d["asset_id"]
            for d in self._ids("asset-packages", "asset_id", [{"term": {"purls": purl}}])
        ]

    def latest_scores(self, subjects: Sequence[str], as_of: datetime) -> dict[str, ScoreRecord]:
        """Field collapsing on `subject`, newest first: one hit per subject, one request."""
        found: dict[str, ScoreRecord] = {}
        unique = sorted(set(subjects))
        for start in range(0, len(unique), PAGE):
            chunk = unique[start : start + PAGE]
            with self._errors():
                result = self.es.search(
                    index=self.index("scores"),
                    query={
                        "bool": {
                            "filter": [
                                {"terms": {"subject": chunk}},
                                {"range": {"computed_at": {"lte": encode_time(as_of)}}},
                            ]
                        }
                    },
                    collapse={"field": "subject"},
                    sort=[{"computed_at": "desc"}],
                    size=len(chunk),
                    track_total_hits=False,
                )
            for hit in result["hits"]["hits"]:
                record = decode(ScoreRecord, hit["_source"])
                found[record.subject] = record
        return found

    def intel_stamp(self) -> str:
        with self._errors():
            try:
                doc = self.es.get(index=self.index("meta"), id=INTEL_STAMP_ID)
            except NotFoundError:
                return ""
            return str(doc["_source"]["stamp"])

    def intel_digests(self, source: IntelSource) -> dict[str, str]:
        docs = self._ids("intel", "id", [{"term": {"source": source.value}}], "digest")
        return {d["id"]: d["digest"] for d in docs}

    def _composite(
        self, kind: str, query: JsonDoc, fields: Sequence[str]
    ) -> Iterator[tuple[dict[str, Any], int]]:
        """(key, count) per combination of `fields`: a composite aggregation paged by its
        after_key, so it is exact for any number of combinations."""
        sources = [{f: {"terms": {"field": f}}} for f in fields]
        after_key: dict[str, Any] | None = None
        with self._errors():
            while True:
                composite: dict[str, Any] = {"size": PAGE, "sources": sources}
                if after_key is not None:
                    composite["after"] = after_key
                agg = self.es.search(
                    index=self.index(kind),
                    size=0,
                    query=query,
                    aggs={"cells": {"composite": composite}},
                )["aggregations"]["cells"]
                for bucket in agg["buckets"]:
                    yield bucket["key"], bucket["doc_count"]
                after_key = agg.get("after_key")
                if len(agg["buckets"]) < PAGE or after_key is None:
                    return

    def summarize_findings(self, *, org_id: str | None = None) -> list[FindingCount]:
        query = {"term": {"org_id": org_id}} if org_id is not None else {"match_all": {}}
        return [
            FindingCount(key["org_id"], key["severity"], key["status"], n)
            for key, n in self._composite("findings", query, ("org_id", "severity", "status"))
        ]

    def _count_by(self, kind: Kind[T], field: str, query: Query) -> dict[str, int]:
        if field not in MAPPINGS[kind.name]["properties"]:
            raise StoreError(f"{kind.name} have no field {field!r}")
        found = self._composite(kind.name, {"bool": {"filter": self._filters(query)}}, (field,))
        return {str(key[field]): n for key, n in found}

    def _count(self, kind: Kind[T], query: Query) -> int:
        with self._errors():
            found = self.es.count(
                index=self.index(kind.name), query={"bool": {"filter": self._filters(query)}}
            )
            return int(found["count"])

    def audit_head(self) -> AuditEntry | None:
        hits = self._search("audit", [], [{"seq": "desc"}], 1)
        return self._last_of(decode(AuditEntry, hits[0]) if hits else None)

    def iter_audit(self, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        """Searched page by page, then the tail the index has not been refreshed to
        show yet, read in real time: commits do not refresh the audit index."""
        remaining = limit
        last = after_seq
        searching = True
        while remaining is None or remaining > 0:
            size = PAGE if remaining is None else min(PAGE, remaining)
            if searching:
                entries = [
                    decode(AuditEntry, doc)
                    for doc in self._search("audit", [], [{"seq": "asc"}], size, [last])
                ]
                searching = len(entries) == size
            else:
                entries = self._following(last, min(size, FORWARD))
                if not entries:
                    return
            yield from entries
            if entries:
                last = entries[-1].seq
            if remaining is not None:
                remaining -= len(entries)

    def counts(self) -> StoreCounts:
        with self._errors():

            def count(kind: str) -> int:
                return int(self.es.count(index=self.index(kind))["count"])

            self.es.indices.refresh(index=self.index("audit"))  # commits do not refresh it

            packages = self.es.search(
                index=self.index("asset-packages"),
                size=0,
                aggs={"packages": {"sum": {"field": "count"}}},
            )["aggregations"]["packages"]["value"]
            return StoreCounts(
                organizations=count("organizations"),
                systems=count("systems"),
                assets=count("assets"),
                packages=int(packages),
                tokens=count("tokens"),
                audit_entries=count("audit"),
                findings=count("findings"),
                sboms=count("sboms"),
                products=count("products"),
                intel=count("intel"),
            )
