"""After intelligence changed: every inventory brought up to date with it.

Intelligence only knows advisories; what they concern is inventory: the SBOMs agencies
and suppliers submitted, and the software hosts report. This is the one place that goes
from "feeds changed" to "findings changed", so it sits above both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hub.core.model import utcnow
from hub.core.settings import Settings
from hub.core.store import Store
from hub.intelligence.feeds import FeedResult, SyncProgress, sync_all
from hub.intelligence.sources import provides_enrichment
from hub.inventory.desk import rematch_assets
from sbom.desk import Progress, RematchReport, SbomDesk


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
    enrichment = any(r.written and provides_enrichment(r.feed.source) for r in results)
    keys = None if enrichment else set().union(*(r.changed_keys for r in results))
    assets, opened, fixed = rematch_assets(store, settings, request_id, keys=keys)
    report.assets, report.opened, report.fixed = (
        assets,
        report.opened + opened,
        report.fixed + fixed,
    )
    return results, report
