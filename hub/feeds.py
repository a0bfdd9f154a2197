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

from collectors.vulns import SOURCES, SourceReport, location_for
from hub.errors import HubError
from hub.intel import FeedState, IntelRecord, IntelSource
from hub.inventory import rematch_assets
from hub.model import AuditDraft, utcnow
from hub.sboms import Progress, RematchReport, SbomDesk
from hub.settings import Settings
from hub.store import Store
from sbom.advisory import parse_osv
from sbom.match import advisory_keys

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
    location = location_for(where)
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

    for record in SOURCES[feed.source]().records(payload.members(), report):
        if record.id in seen:
            continue  # JVN lists a CVE under several entries: the first one speaks for it
        seen.add(record.id)
        if known.get(record.id) != record.digest:
            batch.append(record)
            if record.source is IntelSource.OSV:
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
    order = {IntelSource.OSV: 0, IntelSource.JVN: 1, IntelSource.KEV: 2, IntelSource.EPSS: 3}
    chosen = sorted(
        feeds if feeds is not None else store.list_feeds(), key=lambda f: order[f.source]
    )
    results = []
    for feed in chosen:
        try:
            results.append(sync_feed(store, feed, request_id, progress=progress, clock=clock))
        except HubError as exc:
            failed = store.get_feed(feed.id) or feed
            results.append(FeedResult(failed, unchanged=True, error=exc.message))
    return results


def refresh(
    store: Store,
    settings: Settings,
    request_id: str,
    *,
    progress: SyncProgress | None = None,
    rematch_progress: Progress | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[list[FeedResult], RematchReport | None]:
    """Sync every feed, then re-match what changed records concern: every current SBOM, and
    the hosts running a package a changed advisory names (every host when KEV, EPSS or
    JVN changed, since those re-rate findings of any package)."""
    results = sync_all(store, request_id, progress=progress, clock=clock)
    desk = SbomDesk(store, settings, clock)
    # A submission the hub died in the middle of is finished here too, feeds changed or not.
    pending = desk.finish_pending(request_id, progress=rematch_progress)
    if not any(r.written for r in results):
        return results, pending if pending.sboms else None
    report = desk.rematch(request_id, reason="feeds changed", progress=rematch_progress)
    report.opened += pending.opened
    report.fixed += pending.fixed
    enrichment = any(r.written and r.feed.source is not IntelSource.OSV for r in results)
    keys = None if enrichment else set().union(*(r.changed_keys for r in results))
    assets, opened, fixed = rematch_assets(store, settings, request_id, keys=keys)
    report.assets, report.opened, report.fixed = (
        assets,
        report.opened + opened,
        report.fixed + fixed,
    )
    return results, report
