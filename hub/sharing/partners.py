"""Partner TAXII feeds: a partner's collection synced into a hub collection (in), and a
hub collection pushed to a partner's (out).

Each sync asks the partner only for what was added after the bookmark (the latest
`X-TAXII-Date-Added-Last` it answered with), page by page with the OASIS taxii2-client,
retrying a failed request with backoff, and keeps the objects through the sharing desk
as the partner organization's: validated one by one, deduplicated by id and version,
marked as they came (or with the collection's default TLP).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import requests
from taxii2client.common import _HTTPConnection
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from hub.core.auth import Principal
from hub.core.errors import Forbidden, HubError, InvalidSubmission, NotFound
from hub.core.model import AuditDraft, OrgKind, Role, derive_id, utcnow_micro
from hub.core.records.sharing import TaxiiFeed
from hub.core.store import Store
from hub.core.store.interface import TAXII_COLLECTIONS, TAXII_FEEDS
from hub.core.vault import Vault, VaultError
from hub.sharing.desk import Filters, Listing, Page, SharingDesk
from hub.sharing.incidents import arrivals

PAGE = 500
RETRIES = 3


class FeedError(HubError):
    code = "feed_error"


@dataclass(frozen=True)
class SyncResult:
    feed: TaxiiFeed
    pages: int
    received: int
    kept: int
    refused: int


def _bookmark(page: Page, before: str) -> str:
    """How far a push may resume after: `added_after` is strict, so only whole groups of
    one date_added (a batch adds many at once) may fall behind it. A group the page cut
    in two is sent again after an interruption, which changes nothing at the partner (the
    same version twice), instead of being skipped."""
    last = page.items[-1].date_added
    if page.more:
        whole = [v.date_added for v in page.items if v.date_added < last]
        if not whole:
            return before
        last = whole[-1]
    return last.isoformat(timespec="microseconds")


class PartnerFeeds:
    def __init__(
        self,
        store: Store,
        vault: Vault,
        clock: Callable[[], datetime] = utcnow_micro,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.vault = vault  # seals the partners' passwords in the store
        self.clock = clock
        self.sleep = sleep

    def add(
        self,
        who: Principal,
        url: str,
        into: str,
        org_id: str,
        request_id: str,
        *,
        user: str = "",
        password: str = "",
        direction: str = "in",
    ) -> TaxiiFeed:
        """Register a partner collection (its full URL) to sync into collection `into`, its
        objects owned by partner organization `org_id`; or, `direction="out"`, to push
        collection `into` to, as far as `org_id` may read it."""
        if who.role is not Role.ADMIN:
            raise Forbidden("only admins add partner feeds")
        if not url.startswith(("http://", "https://")) or "/collections/" not in url:
            raise InvalidSubmission(
                f"{url!r} is not a TAXII collection URL",
                hint="give the full URL, e.g. https://isac.example/api1/collections/<id>/",
            )
        org = self.store.get_organization(org_id)
        if org is None or org.kind is not OrgKind.PARTNER:
            raise NotFound(f"no partner organization {org_id}")
        if self.store.fetch(TAXII_COLLECTIONS, into) is None:
            raise NotFound(f"no collection {into}", hint="create one: crsa taxii collection add")
        if direction not in ("in", "out"):
            raise InvalidSubmission(f"direction {direction!r} is neither in nor out")
        url = url if url.endswith("/") else url + "/"
        feed_id = derive_id("taxii-feed", direction, url, into)
        existing = self.store.fetch(TAXII_FEEDS, feed_id)
        if existing is None:
            action = "taxii.feed.add"
            feed = TaxiiFeed(
                feed_id, org_id, url, into, user, self.vault.seal(password), "", None, "", 0,
                direction,
            )  # fmt: skip
        elif self._same(existing, org_id, user, password):
            return existing  # the same feed again changes nothing
        else:  # new credentials or owner; the bookmark and counts stay
            action = "taxii.feed.update"
            feed = replace(
                existing, org_id=org_id, username=user, password=self.vault.seal(password)
            )
        with self.store.transaction() as tx:
            tx.put_taxii_feed(feed)
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    action,
                    feed.id,
                    request_id,
                    {"url": url, "collection": into, "org_id": org_id, "direction": direction},
                    self.clock(),
                )
            )
        return feed

    def _same(self, feed: TaxiiFeed, org_id: str, user: str, password: str) -> bool:
        """Whether adding (org, user, password) again would change nothing stored: a
        password stored before sealing existed is rewritten sealed."""
        if (feed.org_id, feed.username) != (org_id, user) or not self.vault.is_sealed(
            feed.password
        ):
            return False
        try:
            return self.vault.open(feed.password) == password
        except VaultError:
            return False  # sealed with another key: the new password replaces it

    def _connection(self, feed: TaxiiFeed) -> _HTTPConnection:
        """A TAXII connection with the feed's credentials; a credential this hub cannot
        open is recorded as the feed's error, like any other failure to reach it."""
        try:
            password = self.vault.open(feed.password)
        except VaultError as exc:
            self._record(replace(feed, last_error=exc.message[:500], last_sync=self.clock()))
            raise
        return _HTTPConnection(feed.username or None, password or None, version="2.1")

    def list(self) -> list[TaxiiFeed]:
        return list(self.store.iter_all(TAXII_FEEDS))

    def sync(
        self,
        feed_id: str,
        request_id: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncResult:
        """Fetch what the partner added since the bookmark and keep it; the bookmark moves
        only after the objects it covers are stored, so an interrupted sync loses nothing."""
        feed = self.store.fetch(TAXII_FEEDS, feed_id)
        if feed is None:
            raise NotFound(f"no partner feed {feed_id}")
        collection = self.store.fetch(TAXII_COLLECTIONS, feed.collection_id)
        if collection is None:
            raise NotFound(f"the feed's collection {feed.collection_id} is gone")
        latest: list[str] = []

        def remember(response: requests.Response, *_: Any, **__: Any) -> None:
            stamp = response.headers.get("X-TAXII-Date-Added-Last")
            if stamp:
                latest.append(stamp)

        conn = self._connection(feed)
        conn.session.hooks["response"].append(remember)
        remote = Collection(feed.url, conn=conn)
        desk = SharingDesk(self.store, self.clock)
        filters = {"added_after": feed.added_after} if feed.added_after else {}
        pages = received = kept = refused = 0
        try:
            for envelope in self._pages(remote, filters):
                objects = envelope.get("objects", [])
                pages += 1
                received += len(objects)
                if objects:
                    status = desk.keep(
                        collection, objects, feed.org_id, f"feed:{feed.id}", request_id
                    )
                    arrivals.absorb(self.store, collection.id, objects, feed.org_id,
                                    f"feed:{feed.id}", request_id)  # fmt: skip
                    kept += status.success_count
                    refused += status.failure_count
                if progress:
                    progress(pages, received)
        except (requests.RequestException, TAXIIServiceException) as exc:
            self._record(replace(feed, last_error=str(exc)[:500], last_sync=self.clock()))
            raise FeedError(
                f"sync of {feed.url} failed after {RETRIES} tries: {exc}",
                hint="check the URL and credentials (crsa feeds taxii list), then sync again",
            ) from None
        bookmark = max(latest, default=feed.added_after) or ""
        done = replace(
            feed,
            added_after=bookmark,
            last_sync=self.clock(),
            last_error="",
            received=feed.received + received,
        )
        self._record(done)
        return SyncResult(done, pages, received, kept, refused)

    def push(
        self,
        feed_id: str,
        request_id: str,
        progress: Callable[[int, int], None] | None = None,
        poll_seconds: float = 1.0,
    ) -> SyncResult:
        """Send what was added to the hub collection since the last push, page by page, as
        the partner may read it (TLP and audience as for a TAXII read by `org_id`: RED never
        leaves), and wait for each status; the bookmark moves after each accepted page."""
        feed = self.store.fetch(TAXII_FEEDS, feed_id)
        if feed is None or feed.direction != "out":
            raise NotFound(f"no push feed {feed_id}")
        conn = self._connection(feed)
        remote = Collection(feed.url, conn=conn)
        desk = SharingDesk(self.store, self.clock)
        reader = Principal(f"push:{feed.id}", Role.ADMIN, feed.org_id)  # reads as the partner
        after = datetime.fromisoformat(feed.added_after) if feed.added_after else None
        pages = sent = kept = refused = 0
        token: str | None = None
        try:
            while True:
                every = Filters(versions=("all",), added_after=after)
                page = desk.page(
                    reader, Listing(feed.collection_id, every, limit=PAGE, next_token=token)
                )
                if page.items:
                    envelope = {"objects": [v.object for v in page.items]}
                    status = remote.add_objects(
                        envelope, wait_for_completion=True, poll_interval=poll_seconds
                    )
                    pages += 1
                    sent += len(page.items)
                    kept += status.success_count
                    refused += status.failure_count
                    mark = _bookmark(page, feed.added_after)
                    feed = replace(feed, added_after=mark, received=feed.received + len(page.items))
                    self._record(feed)
                    if progress:
                        progress(pages, sent)
                if not page.more:
                    break
                token = page.next
        except (requests.RequestException, TAXIIServiceException) as exc:
            self._record(replace(feed, last_error=str(exc)[:500], last_sync=self.clock()))
            raise FeedError(
                f"push to {feed.url} failed: {exc}",
                hint="what was sent before stays sent; push again to go on from there",
            ) from None
        done = replace(feed, last_sync=self.clock(), last_error="")
        self._record(done)
        return SyncResult(done, pages, sent, kept, refused)

    def _pages(self, remote: Collection, filters: dict[str, str]) -> Any:
        """as_pages with each request retried (1 s, 2 s, 4 s) before giving up."""

        def fetch(**kwargs: Any) -> Any:
            for attempt in range(RETRIES):
                try:
                    return remote.get_objects(**kwargs)
                except (requests.ConnectionError, requests.Timeout):
                    if attempt == RETRIES - 1:
                        raise
                    self.sleep(2.0**attempt)
            return None

        yield from as_pages(fetch, per_request=PAGE, **filters)

    def _record(self, feed: TaxiiFeed) -> None:
        with self.store.transaction() as tx:
            tx.put_taxii_feed(feed)
