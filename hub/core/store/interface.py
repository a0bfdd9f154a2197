"""The store seam: the domain's operations, never query strings.

Reads live on `Store`; every write goes through a `Transaction` so that an
entity and the audit entry recording it land together or not at all. What is
the same for every backend is written once here: the puts of each kind (a
backend provides `_put_many`; the audit chain is each backend's own, since where
an entry lands is settled by its commit) and the reads of each entity, which a
backend answers through two primitives, `_fetch` (one by id) and `_select` (a page of a `Query`).
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from hub.core.errors import StoreError
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    AuditEntry,
    Finding,
    FindingCount,
    FindingStatus,
    IdpMapping,
    Organization,
    OrgKind,
    Package,
    Person,
    StoreCounts,
    System,
    WebSession,
    utcnow,
)
from hub.core.records.events import ActionRun, AssetTags, Event, EventCursor
from hub.core.records.incidents import Incident
from hub.core.records.intel import FeedState, IntelRecord, IntelSource
from hub.core.records.scores import ActionShares, ScoreRecord, ScoringChange, SystemScoreState
from hub.core.records.sharing import (
    Sighting,
    StixVersion,
    TaxiiCollection,
    TaxiiFeed,
    TaxiiStatus,
)
from hub.core.records.supply import Deployment, Product, SbomRecord, VexStatement
from hub.core.records.telemetry import AssetTelemetry, InventoryBatch
from hub.core.records.triage import TriageItem

DEFAULT_LIMIT = 100
T = TypeVar("T")
# progress(what, n): n more of `what` done, for long work such as a migration's copy.
Progress = Callable[[str, int], None]


def quiet(_what: str, _n: int) -> None:
    """Progress nobody watches."""


@dataclass(frozen=True)
class Kind(Generic[T]):
    """A stored kind, declared once: its name in every backend, its value class (whose
    fields are the columns and the document properties), and which of those fields are
    kept whole, never searched (`opaque`: JSON in SQLite, `enabled: false` in
    Elasticsearch). tests/store/test_kinds.py holds both backends' schemas to this."""

    name: str
    cls: type[T]
    opaque: frozenset[str] = frozenset()

    @functools.cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(self.cls))  # type: ignore[arg-type]


def check_query(kind: Kind[Any], query: Query, *also: str) -> None:
    """Every field a read names exists on `kind` and is searchable, or StoreError: a typo
    must fail loudly on every backend (Elasticsearch alone would answer "no match")."""
    named = {*query.equals, *also, query.order_by}
    named |= {c.field for c in query.where if isinstance(c, In)}
    named |= {c.field for g in query.where if isinstance(g, AnyOf) for grp in g.groups for c in grp}
    for pair in (query.not_since, query.newer, query.older):
        if pair is not None:
            named.add(pair[0])
    for name in sorted(named):
        if name not in kind.fields:
            raise StoreError(f"{kind.name} have no field {name!r}")
        if name in kind.opaque:
            raise StoreError(f"{kind.name} cannot be searched by {name!r}: it is kept whole")


ORGANIZATIONS = Kind("organizations", Organization)
SYSTEMS = Kind("systems", System)
ASSETS = Kind("assets", Asset)
TOKENS = Kind("tokens", ApiToken)
FINDINGS = Kind("findings", Finding)
PRODUCTS = Kind("products", Product)
SBOMS = Kind("sboms", SbomRecord)
DEPLOYMENTS = Kind("deployments", Deployment)
VEX = Kind("vex", VexStatement)
INTEL = Kind("intel", IntelRecord, frozenset({"data"}))
FEEDS = Kind("feeds", FeedState)
TELEMETRY = Kind("telemetry", AssetTelemetry, frozenset({"data"}))
BATCHES = Kind("batches", InventoryBatch)
SCORES = Kind("scores", ScoreRecord, frozenset({"contributions", "coverage"}))
SCORE_STATES = Kind("score_states", SystemScoreState)
SCORE_CHANGES = Kind("score_changes", ScoringChange)
TRIAGE = Kind("triage", TriageItem, frozenset({"comments", "accepted", "origin"}))
ACTION_SHARES = Kind("action_shares", ActionShares, frozenset({"actions"}))
TAXII_COLLECTIONS = Kind("taxii_collections", TaxiiCollection)
STIX_OBJECTS = Kind("stix_objects", StixVersion, frozenset({"object"}))
TAXII_STATUSES = Kind("taxii_statuses", TaxiiStatus, frozenset({"successes", "failures"}))
TAXII_FEEDS = Kind("taxii_feeds", TaxiiFeed)
SIGHTINGS = Kind("sightings", Sighting, frozenset({"profile"}))
EVENTS = Kind("events", Event, frozenset({"fields"}))
ACTION_RUNS = Kind("action_runs", ActionRun, frozenset({"detail"}))
ASSET_TAGS = Kind("asset_tags", AssetTags)
EVENT_CURSORS = Kind("event_cursors", EventCursor)
WEB_SESSIONS = Kind("web_sessions", WebSession)
PERSONS = Kind("persons", Person)
IDP_MAPPINGS = Kind("idp_mappings", IdpMapping)
INCIDENTS = Kind("incidents", Incident, frozenset({"objects", "history"}))
# Kinds a backend writes through the generic `_put_many`, with no per-entity code.
GENERIC_KINDS: tuple[Kind[Any], ...] = (
    FINDINGS,
    PRODUCTS,
    SBOMS,
    DEPLOYMENTS,
    VEX,
    INTEL,
    FEEDS,
    TELEMETRY,
    BATCHES,
    SCORES,
    SCORE_STATES,
    SCORE_CHANGES,
    TRIAGE,
    ACTION_SHARES,
    TAXII_COLLECTIONS,
    STIX_OBJECTS,
    TAXII_STATUSES,
    TAXII_FEEDS,
    SIGHTINGS,
    EVENTS,
    ACTION_RUNS,
    ASSET_TAGS,
    EVENT_CURSORS,
    WEB_SESSIONS,
    PERSONS,
    IDP_MAPPINGS,
    INCIDENTS,
)
# Every stored kind, in one place: what the schema parity test walks.
KINDS: tuple[Kind[Any], ...] = (ORGANIZATIONS, SYSTEMS, ASSETS, TOKENS, *GENERIC_KINDS)


@dataclass(frozen=True)
class In:
    """The field's value is one of `values`; for a list field, any element is."""

    field: str
    values: tuple[str | bool, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one group holds, every condition of a group at once (OR of ANDs)."""

    groups: tuple[tuple[In, ...], ...]


@dataclass(frozen=True)
class Query:
    """A page of one kind in domain terms: fields equal to values, optionally an id among
    `ids`, ordered by id, strictly after the `after` cursor. Backends translate it once.

    For richer listings (the TAXII objects): `where` conditions, `newer` (field, ISO time:
    strictly later), and `order_by` another field, in which case the cursor `after` is
    the last row's (that field's value, id) and rows come ordered by both."""

    equals: dict[str, str | bool] = field(default_factory=dict)
    ids: tuple[str, ...] | None = None
    after: str | tuple[str, str] | None = None
    limit: int = DEFAULT_LIMIT
    # (field, ISO time): the field is empty or earlier than the time ("not seen since").
    not_since: tuple[str, str] | None = None
    where: tuple[In | AnyOf, ...] = ()
    newer: tuple[str, str] | None = None
    # (field, ISO time or date): the field is set and strictly earlier.
    older: tuple[str, str] | None = None
    order_by: str = "id"

    @classmethod
    def page(
        cls,
        after: str | None,
        limit: int,
        ids: Sequence[str] | None = None,
        **equals: str | bool | Enum | None,
    ) -> Query:
        return cls(
            {k: v.value if isinstance(v, Enum) else v for k, v in equals.items() if v is not None},
            None if ids is None else tuple(ids),
            after,
            limit,
        )


def token_by_hash(token_hash: str) -> tuple[Kind[ApiToken], Query]:
    """The read that finds a token by its hash: what authentication asks of any store."""
    return TOKENS, Query.page(None, 1, token_hash=token_hash)


HUB = "hub"


class Transaction(abc.ABC):
    """One atomic unit of writes. Puts are upserts by id, so replaying one is harmless."""

    @abc.abstractmethod
    def put_organization(self, org: Organization) -> None: ...

    @abc.abstractmethod
    def put_system(self, system: System) -> None: ...

    @abc.abstractmethod
    def put_asset(self, asset: Asset) -> None: ...

    @abc.abstractmethod
    def put_asset_packages(self, asset_id: str, packages: Sequence[Package]) -> None:
        """Replace the asset's software list with `packages`."""

    @abc.abstractmethod
    def put_token(self, token: ApiToken) -> None: ...

    @abc.abstractmethod
    def _put_many(self, kind: Kind[T], items: Sequence[T]) -> None:
        """Upsert values of one of GENERIC_KINDS by id, every field as it is."""

    def put_copies(self, kind: Kind[T], items: Sequence[T]) -> None:
        """Values of one of GENERIC_KINDS exactly as another store holds them: copying a
        hub between stores (`hub.core.store.migrate`), where no domain rule may apply twice."""
        if kind not in GENERIC_KINDS:
            raise StoreError(f"{kind.name} is not copied as it is")
        self._put_many(kind, items)

    @abc.abstractmethod
    def put_sbom_packages(self, sbom_id: str, packages: Sequence[Package]) -> None:
        """The SBOM's identified components; written once, with the SBOM."""

    def put_findings(self, findings: Sequence[Finding]) -> None:
        """Upsert findings by id; a batch, since matching produces them by the thousand."""
        self._put_many(FINDINGS, findings)

    def mark_changed(self, systems: Iterable[tuple[str, str]], reason: str) -> None:
        """(org id, system id) pairs whose score inputs this transaction changes: the next
        incremental scoring run rescores them. The store only keeps the marks; what counts
        as a score input is decided by the capability that writes it (findings, SBOMs,
        telemetry, systems and assets, sightings, accepted risks), in the same transaction
        as the change, so the mark and the change land together or not at all."""
        at, token = utcnow(), uuid.uuid4().hex
        marks = [ScoringChange(s, o, at, reason, token) for o, s in sorted(set(systems)) if s]
        if marks:
            self._put_many(SCORE_CHANGES, marks)

    def put_product(self, product: Product) -> None:
        self._put_many(PRODUCTS, [product])

    def put_sbom(self, record: SbomRecord) -> None:
        self._put_many(SBOMS, [record])

    def put_deployment(self, deployment: Deployment) -> None:
        self._put_many(DEPLOYMENTS, [deployment])

    def put_vex(self, statements: Sequence[VexStatement]) -> None:
        self._put_many(VEX, statements)

    def put_intel(self, records: Sequence[IntelRecord]) -> None:
        self._put_many(INTEL, records)

    def put_feed(self, feed: FeedState) -> None:
        self._put_many(FEEDS, [feed])

    def put_telemetry(self, telemetry: AssetTelemetry) -> None:
        self._put_many(TELEMETRY, [telemetry])

    def put_batch(self, batch: InventoryBatch) -> None:
        self._put_many(BATCHES, [batch])

    def put_scores(self, scores: Sequence[ScoreRecord]) -> None:
        self._put_many(SCORES, scores)

    def put_score_states(self, states: Sequence[SystemScoreState]) -> None:
        self._put_many(SCORE_STATES, states)

    def put_action_shares(self, shares: Sequence[ActionShares]) -> None:
        self._put_many(ACTION_SHARES, shares)

    def put_taxii_collection(self, collection: TaxiiCollection) -> None:
        self._put_many(TAXII_COLLECTIONS, [collection])

    def put_stix_versions(self, versions: Sequence[StixVersion]) -> None:
        self._put_many(STIX_OBJECTS, versions)

    def put_taxii_status(self, status: TaxiiStatus) -> None:
        self._put_many(TAXII_STATUSES, [status])

    def put_taxii_feed(self, feed: TaxiiFeed) -> None:
        self._put_many(TAXII_FEEDS, [feed])

    def put_sightings(self, sightings: Sequence[Sighting]) -> None:
        """Upsert sightings; marking systems for rescoring is the caller's (only a sighting
        that starts or ends moves a score)."""
        self._put_many(SIGHTINGS, sightings)

    def put_triage(self, item: TriageItem) -> None:
        self._put_many(TRIAGE, [item])

    def put_events(self, events: Sequence[Event]) -> None:
        self._put_many(EVENTS, events)

    def put_action_runs(self, runs: Sequence[ActionRun]) -> None:
        self._put_many(ACTION_RUNS, runs)

    def put_asset_tags(self, tags: AssetTags) -> None:
        self._put_many(ASSET_TAGS, [tags])

    def put_event_cursor(self, cursor: EventCursor) -> None:
        self._put_many(EVENT_CURSORS, [cursor])

    def put_web_session(self, web_session: WebSession) -> None:
        self._put_many(WEB_SESSIONS, [web_session])

    def put_person(self, person: Person) -> None:
        self._put_many(PERSONS, [person])

    def put_idp_mapping(self, mapping: IdpMapping) -> None:
        self._put_many(IDP_MAPPINGS, [mapping])

    def put_incident(self, incident: Incident) -> None:
        self._put_many(INCIDENTS, [incident])

    @abc.abstractmethod
    def append_audit(self, draft: AuditDraft) -> None:
        """Record `draft` as the next entry of the audit chain, in this transaction. Where
        in the chain it lands is settled when the transaction commits: concurrent
        transactions of other partitions may take the entries before it."""

    @abc.abstractmethod
    def import_audit(self, entry: AuditEntry) -> None:
        """Copy an entry from another store verbatim; refused unless it extends this chain."""


class Store(abc.ABC):
    """Where the hub keeps its state. Lists page by id with an exclusive `after` cursor."""

    name: str

    @abc.abstractmethod
    def migrate(self, progress: Progress = quiet) -> int:
        """Bring the schema up to date; return the schema version now in force. A step
        that copies data (an Elasticsearch index rebuilt) reports through `progress`."""

    @abc.abstractmethod
    def schema_version(self) -> int:
        """0 for an empty store that was never migrated."""

    @abc.abstractmethod
    def latest_schema(self) -> int:
        """The schema version this code writes and reads: `migrate` brings a store to it."""

    @contextmanager
    def transaction(self, partition: str = HUB) -> Iterator[Transaction]:
        """One atomic unit of writes. Transactions of one `partition` run one at a time,
        so a decision read inside one (the current SBOM, a replay) holds when it commits;
        those of different partitions need not wait on each other where the backend has
        many writers (Elasticsearch). Work within one organization passes its id; work
        across organizations, or on the hub's own records, takes the default `HUB`."""
        started = time.perf_counter()
        with self._transaction(partition) as tx:
            yield tx
        self._observed("transaction", started)

    def prepare(self, kind: Kind[T], items: Sequence[T]) -> None:  # noqa: B027
        """Items this thread is about to write in its next transaction: a backend may do
        its share of the work on them now, before the transaction waits for its turn, and
        pick it up when those very items are put. Nothing is written; items that are not
        put, or are replaced by others, cost nothing more than this call. By default
        there is nothing to do ahead."""

    @abc.abstractmethod
    def _transaction(self, partition: str) -> AbstractContextManager[Transaction]:
        """The backend's transaction, as `transaction` describes it."""

    # Who is told how long each store call took (the served hub's metrics); None: nobody.
    observer: Callable[[str, str, float], None] | None = None

    def _observed(self, operation: str, started: float) -> None:
        if self.observer is not None:
            self.observer(operation, self.name, time.perf_counter() - started)

    @abc.abstractmethod
    def close(self) -> None: ...

    # The two read primitives every backend provides --------------------------
    @abc.abstractmethod
    def _fetch(self, kind: Kind[T], item_id: str) -> T | None: ...

    @abc.abstractmethod
    def _select_page(self, kind: Kind[T], query: Query) -> list[T]: ...

    def fetch(self, kind: Kind[T], item_id: str) -> T | None:
        """One value of any kind by id: for domain modules whose kinds need no bespoke read."""
        started = time.perf_counter()
        found = self._fetch(kind, item_id)
        self._observed("fetch", started)
        return found

    def select(self, kind: Kind[T], query: Query) -> list[T]:
        """A page of any kind for a `Query`; its translation stays in each backend."""
        started = time.perf_counter()
        found = self._select(kind, query)
        self._observed("select", started)
        return found

    def _select(self, kind: Kind[T], query: Query) -> list[T]:
        """Every read by query passes here: its fields are checked once, for all backends."""
        check_query(kind, query)
        return self._select_page(kind, query)

    def select_many(self, reads: Sequence[tuple[Kind[Any], Query]]) -> list[list[Any]]:
        """Independent reads answered together, each as `select` would: a backend that pays
        for every round trip (Elasticsearch, one multi-search) answers them in one."""
        for kind, query in reads:
            check_query(kind, query)
        started = time.perf_counter()
        found = self._select_pages(reads)
        self._observed("select_many", started)
        return found

    def _select_pages(self, reads: Sequence[tuple[Kind[Any], Query]]) -> list[list[Any]]:
        return [self._select_page(kind, query) for kind, query in reads]

    # Organizations
    def get_organization(self, org_id: str) -> Organization | None:
        return self._fetch(ORGANIZATIONS, org_id)

    def list_organizations(
        self,
        *,
        kind: OrgKind | None = None,
        ids: Sequence[str] | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Organization]:
        if ids is not None and not ids:
            return []
        return self._select(ORGANIZATIONS, Query.page(after, limit, ids, kind=kind))

    # Systems
    def get_system(self, system_id: str) -> System | None:
        return self._fetch(SYSTEMS, system_id)

    def list_systems(
        self, *, org_id: str | None = None, after: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[System]:
        return self._select(SYSTEMS, Query.page(after, limit, org_id=org_id))

    # Assets and their software
    def get_asset(self, asset_id: str) -> Asset | None:
        return self._fetch(ASSETS, asset_id)

    def list_assets(
        self,
        *,
        org_id: str | None = None,
        system_id: str | None = None,
        stale_before: datetime | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Asset]:
        """`stale_before`: only assets never seen, or last seen before that time."""
        query = Query.page(after, limit, org_id=org_id, system_id=system_id)
        if stale_before is not None:
            query = replace(
                query, not_since=("last_seen", stale_before.isoformat(timespec="microseconds"))
            )
        return self._select(ASSETS, query)

    def iter_all_assets(self, system_id: str) -> Iterator[Asset]:
        return self.iter_all(ASSETS, system_id=system_id)

    def iter_all_systems(self, org_id: str) -> Iterator[System]:
        return self.iter_all(SYSTEMS, org_id=org_id)

    @abc.abstractmethod
    def list_asset_packages(self, asset_id: str) -> list[Package]:
        """The asset's software, ordered by purl."""

    # Tokens
    def get_token(self, token_id: str) -> ApiToken | None:
        return self._fetch(TOKENS, token_id)

    def list_tokens(self, *, org_id: str | None = None) -> list[ApiToken]:
        """Every token, oldest first (tokens number in the thousands at most)."""
        tokens: list[ApiToken] = []
        after: str | None = None
        while True:
            page = self._select(TOKENS, Query.page(after, 1000, org_id=org_id))
            tokens += page
            if len(page) < 1000:
                return sorted(tokens, key=lambda t: (t.created_at, t.id))
            after = page[-1].id

    # Findings
    def get_finding(self, finding_id: str) -> Finding | None:
        return self._fetch(FINDINGS, finding_id)

    def list_findings(
        self,
        *,
        org_id: str | None = None,
        system_id: str | None = None,
        asset_id: str | None = None,
        product_id: str | None = None,
        vuln_id: str | None = None,
        status: FindingStatus | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Finding]:
        """`asset_id=""` selects system-wide findings (from SBOMs), likewise `product_id=""`
        those from the system's own components rather than a product it runs."""
        query = Query.page(
            after,
            limit,
            org_id=org_id,
            system_id=system_id,
            asset_id=asset_id,
            product_id=product_id,
            vuln_id=vuln_id,
            status=None if status is None else FindingStatus(status),
        )
        return self._select(FINDINGS, query)

    def iter_all(self, kind: Kind[T], **equals: str | bool | Enum | None) -> Iterator[T]:
        """Every value of `kind` with these field values, paged underneath."""
        return self.iter_query(kind, Query.page(None, 1000, None, **equals))

    def iter_query(self, kind: Kind[T], query: Query) -> Iterator[T]:
        """Every value of `kind` matching `query`, in id order, paged by id underneath."""
        page_query = replace(query, after=None, order_by="id", limit=1000)
        while True:
            page = self._select(kind, page_query)
            yield from page
            if len(page) < 1000:
                return
            page_query = replace(page_query, after=getattr(page[-1], "id"))  # noqa: B009

    # Products, SBOMs, deployments, VEX
    def get_product(self, product_id: str) -> Product | None:
        return self._fetch(PRODUCTS, product_id)

    def list_products(
        self, *, after: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[Product]:
        return self._select(PRODUCTS, Query.page(after, limit))

    def get_sbom(self, sbom_id: str) -> SbomRecord | None:
        return self._fetch(SBOMS, sbom_id)

    def list_sboms(
        self, *, subject: str | None = None, org_id: str | None = None, current: bool | None = None
    ) -> list[SbomRecord]:
        """Oldest first: a subject's history reads top to bottom."""
        found = self.iter_all(SBOMS, subject=subject, org_id=org_id, current=current)
        return sorted(found, key=lambda r: (r.submitted_at, r.id))

    @abc.abstractmethod
    def list_sbom_packages(self, sbom_id: str) -> list[Package]:
        """The SBOM's components, ordered by purl."""

    def list_deployments(
        self, *, system_id: str | None = None, product_id: str | None = None
    ) -> list[Deployment]:
        return list(self.iter_all(DEPLOYMENTS, system_id=system_id, product_id=product_id))

    def list_vex(self, subject: str) -> list[VexStatement]:
        """Statements about `subject`, and those that hold wherever a component runs."""
        return [*self.iter_all(VEX, subject=subject), *self.iter_all(VEX, subject="*")]

    @abc.abstractmethod
    def assets_matching(self, keys: Sequence[str]) -> list[str]:
        """Ids of the assets running any package advisories name by one of `keys`
        (hub.intelligence.match.package_key), sorted: who a changed advisory may concern."""

    @abc.abstractmethod
    def assets_running(self, purl: str) -> list[str]:
        """Ids of the assets whose software list holds exactly this purl, sorted."""

    # Vulnerability intelligence
    def get_intel(self, record_id: str) -> IntelRecord | None:
        return self._fetch(INTEL, record_id)

    def intel_by_ids(self, record_ids: Sequence[str]) -> list[IntelRecord]:
        found: list[IntelRecord] = []
        unique = sorted(set(record_ids))
        for start in range(0, len(unique), 1000):
            chunk = unique[start : start + 1000]
            found += self._select(INTEL, Query.page(None, len(chunk), ids=chunk))
        return found

    def iter_intel(self, source: IntelSource) -> Iterator[IntelRecord]:
        return self.iter_all(INTEL, source=source)

    @abc.abstractmethod
    def intel_digests(self, source: IntelSource) -> dict[str, str]:
        """Record id to digest for one source, without loading the documents."""

    @abc.abstractmethod
    def intel_stamp(self) -> str:
        """A value that changes whenever any intelligence record is written, by any
        process: what in-memory views of the intelligence are keyed by, so that telling
        whether one is still true costs one read, not one per advisory."""

    # Scores
    def score_history(self, subject: str) -> list[ScoreRecord]:
        """Every recorded score of `subject`, oldest first."""
        return sorted(self.iter_all(SCORES, subject=subject), key=lambda r: r.computed_at)

    def count_by(self, kind: Kind[T], field: str, query: Query) -> dict[str, int]:
        """How many of `kind` match `query` (its `after` and `limit` aside), per value of
        `field`: counts for pages that show numbers, without loading what they count."""
        check_query(kind, query, field)
        started = time.perf_counter()
        counted = self._count_by(kind, field, query)
        self._observed("count", started)
        return counted

    @abc.abstractmethod
    def _count_by(self, kind: Kind[T], field: str, query: Query) -> dict[str, int]: ...

    def count(self, kind: Kind[T], query: Query | None = None) -> int:
        """How many of `kind` match `query` (everything by default): what a backup's
        manifest records per kind, and what a restore is checked against."""
        query = query or Query()
        check_query(kind, query)
        started = time.perf_counter()
        counted = self._count(kind, query)
        self._observed("count", started)
        return counted

    @abc.abstractmethod
    def _count(self, kind: Kind[T], query: Query) -> int: ...

    @abc.abstractmethod
    def latest_scores(self, subjects: Sequence[str], as_of: datetime) -> dict[str, ScoreRecord]:
        """Each subject's last score recorded at or before `as_of`, in one read: pages that
        show 200 agencies or a page of assets must not ask once per subject."""

    # Collector deliveries
    def get_telemetry(self, asset_id: str) -> AssetTelemetry | None:
        return self._fetch(TELEMETRY, asset_id)

    def get_batch(self, batch_id: str) -> InventoryBatch | None:
        return self._fetch(BATCHES, batch_id)

    def list_batches(self, *, asset_id: str | None = None) -> list[InventoryBatch]:
        """Oldest first."""
        found = self.iter_all(BATCHES, asset_id=asset_id)
        return sorted(found, key=lambda b: (b.received_at, b.id))

    def get_feed(self, feed_id: str) -> FeedState | None:
        return self._fetch(FEEDS, feed_id)

    def list_feeds(self) -> list[FeedState]:
        return list(self.iter_all(FEEDS))

    @abc.abstractmethod
    def summarize_findings(self, *, org_id: str | None = None) -> list[FindingCount]:
        """Counts per (organization, severity, status), sorted by those keys."""

    # Audit log
    @abc.abstractmethod
    def audit_head(self) -> AuditEntry | None: ...

    @abc.abstractmethod
    def iter_audit(self, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        """Entries in chain order, starting after `after_seq`."""

    # Whole-store
    @abc.abstractmethod
    def counts(self) -> StoreCounts: ...
