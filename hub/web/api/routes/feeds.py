"""The hub's vulnerability intelligence feeds (OSV, KEV, EPSS, JVN): what `crsa feeds`
does, for an operator without a shell on the hub's machine."""

from __future__ import annotations

from hub.core.auth import Action
from hub.intelligence import feeds
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import FeedIn, FeedList, FeedOut, FeedPatch

router = Router("feeds")


@router.route(
    "GET",
    "/feeds",
    summary="Registered feeds: location, last sync, records, whether enabled, last failure",
    response=FeedList,
    needs=Action.MANAGE_FEEDS,
)
def list_feeds(call: Call) -> FeedList:
    return FeedList(items=[FeedOut.model_validate(f) for f in call.store.list_feeds()])


@router.route(
    "POST",
    "/feeds",
    summary="Register a feed; local content of another kind is refused (422)",
    body=FeedIn,
    response=FeedOut,
    statuses=(201, 200),
    errors=(422,),
    needs=Action.MANAGE_FEEDS,
)
def add_feed(call: Call) -> tuple[FeedOut, int]:
    b: FeedIn = call.body
    known = {f.id for f in call.store.list_feeds() if f.enabled}
    feed = feeds.register(call.store, b.source, b.location, call.request_id, call.who.actor)
    return FeedOut.model_validate(feed), 200 if feed.id in known else 201


@router.route(
    "PATCH",
    "/feeds/<feed_id>",
    summary="Enable or disable a feed; a disabled feed is not synced and raises no failures",
    body=FeedPatch,
    response=FeedOut,
    errors=(404,),
    needs=Action.MANAGE_FEEDS,
)
def patch_feed(call: Call, feed_id: str) -> FeedOut:
    b: FeedPatch = call.body
    feed = feeds.switch(call.store, feed_id, b.enabled, call.request_id, call.who.actor)
    return FeedOut.model_validate(feed)
