"""One sharing run, the order the data flows in: partner feeds in, partner indicators
matched against telemetry (sightings), the hub's own objects published, chosen
collections pushed out to partners.

Each partner is independent: one whose server is down is recorded on its feed (its
`last_error`, which the dashboards and playbooks read) and the run goes on with the rest.
A served hub runs this every `sharing_interval` seconds (`crsa sharing run --watch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hub.core.errors import HubError
from hub.core.model import OrgKind
from hub.core.records.sharing import TaxiiStatus
from hub.core.store import Store
from hub.core.vault import Vault
from hub.sharing.identities import SharingPolicy
from hub.sharing.ioc import MatchRun, record
from hub.sharing.outbound import publish
from hub.sharing.partners import PartnerFeeds, SyncResult


@dataclass
class SharingRun:
    synced: list[SyncResult] = field(default_factory=list)
    pushed: list[SyncResult] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (feed id, error)
    matched: MatchRun | None = None
    published: TaxiiStatus | None = None


def run_sharing(
    store: Store,
    now: datetime,
    request_id: str,
    *,
    share_collection: str = "",
    policy: SharingPolicy,
    vault: Vault,
    say: Callable[[str], None] = lambda _: None,
    clock: Callable[[], datetime] | None = None,
) -> SharingRun:
    feeds = PartnerFeeds(store, vault, clock) if clock else PartnerFeeds(store, vault)
    run = SharingRun()
    everything = feeds.list()
    for feed in (f for f in everything if f.direction == "in"):
        try:
            run.synced.append(feeds.sync(feed.id, request_id))
            say(f"synced {feed.url}: {run.synced[-1].received} objects")
        except HubError as exc:
            run.failed.append((feed.id, exc.message))
            say(f"sync of {feed.url} failed: {exc.message}")
    run.matched = record(store, now)
    if share_collection:
        operators = store.list_organizations(kind=OrgKind.OPERATOR, limit=1)
        if operators:
            run.published = publish(
                store, share_collection, operators[0], now, request_id, policy=policy
            )
        else:
            say("no operator organization to publish as: create one with crsa org add")
    for feed in (f for f in everything if f.direction == "out"):
        try:
            run.pushed.append(feeds.push(feed.id, request_id))
        except HubError as exc:
            run.failed.append((feed.id, exc.message))
            say(f"push to {feed.url} failed: {exc.message}")
    return run
