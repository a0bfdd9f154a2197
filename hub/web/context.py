"""What every web front (REST API, TAXII, dashboards) shares: the hub a request runs
against, and the body it may read. It sits below all three so that none imports another."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from hub.core.errors import PayloadTooLarge
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store


@dataclass(frozen=True)
class HubContext:
    """What the app factory hands every request: no module-level globals."""

    settings: Settings
    store: Store
    registry: Registry


def hub_context() -> HubContext:
    ctx: HubContext = current_app.extensions["crsa"]
    return ctx


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"request body is over the limit of {limit} bytes",
        hint="split the submission or raise CRSA_MAX_REQUEST_BYTES",
    )


def read_body(limit: int) -> bytes:
    """The body, refused past `limit` bytes even when it came chunked with no Content-Length.

    The app caps the stream at limit + 1 bytes (see create_app), so a body that
    reads longer than the limit is known to be too large without reading it all.
    """
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise too_large(limit)
    return raw
