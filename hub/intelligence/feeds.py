"""`crsa feeds sync`: bring the store's vulnerability intelligence up to date, incrementally.

Each registered feed is fetched only if its location changed since the last
sync (validator), and of what it holds only records whose digest changed are
written, in batches, each batch with its audit entry. When anything changed,
every current SBOM is re-matched, so a new advisory becomes findings without
anyone resubmitting anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from hub.core.errors import HubError, NotFound
from hub.core.model import AuditDraft, utcnow
from hub.core.records.intel import FeedState, IntelRecord, IntelSource
from hub.core.store import Store
from hub.intelligence.advisory import parse_osv
from hub.intelligence.match import advisory_keys
from hub.intelligence.sources import (
    REGISTERED,
    FeedError,
    Location,
    LocationKind,
    Payload,
    Provides,
    SourceReport,
    VulnerabilitySource,
    location_for,
    source_for,
)

BATCH = 5000
SYNC_ACTOR = "system:feeds"

# (feed location, records seen so far, records written so far)
SyncProgress = Callable[[str, int, int], None]


@dataclass
class FeedResult:
    feed: FeedState
    unchanged: bool
    read: int = 0
    written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # How the written OSV advisories name packages: who they may concern.
    changed_keys: set[str] = field(default_factory=set)
    error: str = ""  # why this feed's sync failed (the others went on)


def register(
    store: Store, source: IntelSource, where: str, request_id: str, actor: str
) -> FeedState:
    """Remember a feed (idempotent; a disabled one is enabled again); the next sync reads
    it. A local feed is read once first, so that content of another kind (a KEV catalog
    registered as OSV) is refused now, not found out later as a sync that reads nothing."""
    declared = source_for(source)
    location = location_for(where)
    if location.kind not in declared.reads:
        raise FeedError(
            f"{source} feeds are not read from a {location.kind} ({location.name})",
            hint=f"give one of: {', '.join(sorted(declared.reads))}"
            + (f"; its publisher serves {declared.upstream}" if declared.upstream else ""),
        )
    feed_id = FeedState.key_id(source, location.name)
    existing = store.get_feed(feed_id)
    if existing is not None:
        return existing if existing.enabled else switch(store, feed_id, True, request_id, actor)
    if location.kind is not LocationKind.HTTP:
        _check_content(declared, location)
    feed = FeedState(feed_id, source, location.name, "", None, 0, 0)
    with store.transaction() as tx:
        tx.put_feed(feed)
        tx.append_audit(
            AuditDraft(
                actor,
                "feed.register",
                feed_id,
                request_id,
                {"source": source.value, "location": location.name},
            )
        )
    return feed


def _first_record(declared: type[VulnerabilitySource], payload: Payload) -> SourceReport:
    """What reading the payload as `declared` gives up to its first record (report.read is
    1 if there is one); a payload it cannot read at all raises FeedError."""
    report = SourceReport()
    next(iter(declared().records(payload.members(), report)), None)
    return report


def _check_content(declared: type[VulnerabilitySource], location: Location) -> None:
    """Refuse a location whose content is not `declared`'s kind, naming the kind it looks
    like when another source reads it. An empty one passes: a new mirror may fill later."""
    payload = location.fetch("")
    assert payload is not None  # "" is no content's validator
    try:
        report = _first_record(declared, payload)
        if report.read or not report.skipped:
            return
        why = f"{len(report.skipped)} entries skipped, the first because {report.skipped[0][1]}"
    except FeedError as exc:
        why = exc.message
    hint = "check the path, or choose the source its content is"
    for other in REGISTERED:
        if other is declared or location.kind not in other.reads:
            continue
        try:
            if _first_record(other, payload).read:
                hint = f"it reads as {other.source.value}: crsa feeds add {other.source.value}"
                hint += f" {location.name}"
                break
        except FeedError:
            continue
    raise FeedError(
        f"{location.name} does not hold {declared.source.value} records: {why}", hint=hint
    )


def find(store: Store, ref: str) -> FeedState:
    """A registered feed by its id or its location (as `crsa feeds list` shows both)."""
    names = {ref} if "://" in ref else {ref, str(Path(ref).expanduser())}
    found = store.get_feed(ref) or next(
        (f for f in store.list_feeds() if f.location in names), None
    )
    if found is None:
        raise NotFound(f"no feed {ref!r}", hint="crsa feeds list shows each feed's id and location")
    return found


def switch(store: Store, ref: str, enabled: bool, request_id: str, actor: str) -> FeedState:
    """Enable or disable a feed. A disabled feed keeps what it synced (findings stay as
    they are) but is not synced, and its last failure no longer raises events; enabled
    again, its next sync fetches it whole. Switching to the state it has changes nothing."""
    feed = find(store, ref)
    if feed.enabled == enabled:
        return feed
    changed = replace(feed, enabled=enabled, validator="", last_error="", failed_at=None)
    with store.transaction() as tx:
        tx.put_feed(changed)
        tx.append_audit(
            AuditDraft(
                actor,
                "feed.enable" if enabled else "feed.disable",
                feed.id,
                request_id,
                {"source": feed.source.value, "location": feed.location},
            )
        )
    return changed


def sync_feed(
    store: Store,
    feed: FeedState,
    request_id: str,
    *,
    progress: SyncProgress | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FeedResult:
    """Sync one feed. A failure (unreachable, unreadable, not the format it claims) is
    recorded on the feed and in the audit log before it is raised: the `feed_failed`
    playbooks act on it, and `crsa feeds list` shows it. Records written before the
    failure stay (each is a whole record); the next sync fetches the feed again."""
    try:
        return _sync(store, feed, request_id, progress, clock)
    except HubError as exc:
        failed = replace(feed, last_error=exc.message[:500], failed_at=clock())
        with store.transaction() as tx:
            tx.put_feed(failed)
            tx.append_audit(
                AuditDraft(
                    SYNC_ACTOR, "feed.failed", feed.id, request_id, {"error": failed.last_error},
                    clock(),
                )
            )  # fmt: skip
        raise


def _sync(
    store: Store,
    feed: FeedState,
    request_id: str,
    progress: SyncProgress | None,
    clock: Callable[[], datetime],
) -> FeedResult:
    declared = source_for(feed.source)  # before any fetch: an unknown source reads nothing
    payload = location_for(feed.location).fetch(feed.validator)
    if payload is None:
        if feed.last_error:  # reachable again, and nothing new since the last success
            feed = replace(feed, last_error="", failed_at=None)
            with store.transaction() as tx:
                tx.put_feed(feed)
        return FeedResult(feed, unchanged=True)
    report = SourceReport()
    known = store.intel_digests(feed.source)
    result = FeedResult(feed, unchanged=False)
    batch: list[IntelRecord] = []
    seen: set[str] = set()

    def flush() -> None:
        with store.transaction() as tx:
            tx.put_intel(batch)
            tx.append_audit(
                AuditDraft(
                    SYNC_ACTOR,
                    "intel.update",
                    feed.id,
                    request_id,
                    {
                        "source": feed.source.value,
                        "records": len(batch),
                        "first": batch[0].id,
                        "last": batch[-1].id,
                    },
                    clock(),
                )
            )
        result.written += len(batch)
        batch.clear()

    for record in declared().records(payload.members(), report):
        if record.id in seen:
            continue  # JVN lists a CVE under several entries: the first one speaks for it
        seen.add(record.id)
        if known.get(record.id) != record.digest:
            batch.append(record)
            if declared.provides is Provides.ADVISORIES:
                result.changed_keys |= advisory_keys(parse_osv(record.data))
        if len(batch) >= BATCH:
            flush()
        if progress and len(seen) % 1000 == 0:
            progress(feed.location, len(seen), result.written + len(batch))
    if batch:
        flush()
    if not seen and report.skipped:  # not this source's content (an HTTP feed is not probed)
        raise FeedError(
            f"{feed.location} holds no {feed.source.value} record: {len(report.skipped)}"
            f" entries skipped, the first because {report.skipped[0][1]}",
            hint="check the location, or disable this feed: crsa feeds disable " + feed.id,
        )
    if progress:
        progress(feed.location, len(seen), result.written)
    result.read = report.read
    result.skipped = report.skipped
    result.feed = replace(
        feed,
        validator=payload.validator,
        synced_at=clock(),
        records=len(seen),
        last_changed=result.written,
        last_error="",
        failed_at=None,
    )
    with store.transaction() as tx:
        tx.put_feed(result.feed)
        tx.append_audit(
            AuditDraft(
                SYNC_ACTOR,
                "feed.sync",
                feed.id,
                request_id,
                {"records": len(seen), "changed": result.written, "skipped": len(report.skipped)},
                clock(),
            )
        )
    return result


def _order(source: IntelSource) -> int:
    """Declared sync order; a source nobody declares syncs last, where it fails alone."""
    try:
        return source_for(source).order
    except FeedError:
        return 1 << 30


def sync_all(
    store: Store,
    request_id: str,
    *,
    feeds: Sequence[FeedState] | None = None,
    progress: SyncProgress | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[FeedResult]:
    """Sync every enabled feed (or `feeds`), OSV first so enrichers see its ids. A feed
    that fails does not stop the others (a JVN mirror being down must not hold back KEV due
    dates): its result carries the error, which is also recorded on the feed."""
    chosen = sorted(
        feeds if feeds is not None else [f for f in store.list_feeds() if f.enabled],
        key=lambda f: _order(f.source),
    )
    results = []
    for feed in chosen:
        try:
            results.append(sync_feed(store, feed, request_id, progress=progress, clock=clock))
        except HubError as exc:
            failed = store.get_feed(feed.id) or feed
            results.append(FeedResult(failed, unchanged=True, error=exc.message))
    return results
