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

from hub.core.errors import HubError
from hub.core.model import AuditDraft, utcnow
from hub.core.records.intel import FeedState, IntelRecord, IntelSource
from hub.core.store import Store
from hub.intelligence.advisory import parse_osv
from hub.intelligence.match import advisory_keys
from hub.intelligence.sources import (
    FeedError,
    Provides,
    SourceReport,
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
    """Remember a feed (idempotent); the next sync reads it."""
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
        return existing
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
    """Sync every registered feed (or `feeds`), OSV first so enrichers see its ids. A feed
    that fails does not stop the others (a JVN mirror being down must not hold back KEV due
    dates): its result carries the error, which is also recorded on the feed."""
    chosen = sorted(
        feeds if feeds is not None else store.list_feeds(), key=lambda f: _order(f.source)
    )
    results = []
    for feed in chosen:
        try:
            results.append(sync_feed(store, feed, request_id, progress=progress, clock=clock))
        except HubError as exc:
            failed = store.get_feed(feed.id) or feed
            results.append(FeedResult(failed, unchanged=True, error=exc.message))
    return results
