"""TAXII 2.1 endpoints (OASIS TAXII 2.1, section 4 and 5), one API root, `crsa`.

Every request authenticates (HTTP Basic with the API token as the password, or Bearer),
accepts TAXII JSON, and goes through the sharing desk, which checks collection rights
and TLP on every read. Errors are TAXII error resources.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from hub.core import errors, jsontext
from hub.core.auth import Login, Principal
from hub.core.records.sharing import StixVersion, TaxiiCollection, TaxiiStatus
from hub.sharing.desk import (
    API_ROOT,
    MAX_PAGE,
    TAXII_PATH,
    Filters,
    Listing,
    Page,
    SharingDesk,
    iso,
)
from hub.sharing.incidents import arrivals
from hub.web import errors as api_errors
from hub.web.context import read_body
from hub.web.taxii import media

PREFIX = TAXII_PATH
_MATCH = re.compile(r"^match\[(id|type|version|spec_version)\]$")
_KNOWN = {"added_after", "limit", "next"}

bp = Blueprint("taxii", __name__, url_prefix=PREFIX)


def _hub() -> Any:
    return current_app.extensions["crsa"]


def _desk() -> SharingDesk:
    return SharingDesk(_hub().store)


def _login() -> Login:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    secret: str | None = None
    if scheme.lower() == "bearer":
        secret = value.strip() or None
    elif scheme.lower() == "basic":
        try:
            _, _, secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            secret = None
    if secret is None:
        raise errors.AuthError(
            "authentication required", hint="HTTP Basic with your API token as the password"
        )
    return Login.of(secret)


def _signed_in(login: Login) -> Principal:
    who = login.against(_hub().store)
    _known_orgs().remember(login.digest, who.org_id or "")
    g.principal = who  # for the request's log line
    return who


def _principal() -> Principal:
    return _signed_in(_login())


class KnownOrgs:
    """The organization of each token this worker has seen sign in. A token never changes
    organization, so this is never stale; it only lets a listing read the token, the
    collection and the page in one round trip (`SharingDesk.page_signed_in`), where the
    token and the rights are still judged on what was read. Bounded: a flood of tokens
    only empties it."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._orgs: dict[str, str] = {}

    def get(self, digest: str) -> str | None:
        return self._orgs.get(digest)

    def remember(self, digest: str, org_id: str) -> None:
        if len(self._orgs) >= self.LIMIT:
            self._orgs.clear()
        self._orgs[digest] = org_id


def _known_orgs() -> KnownOrgs:
    known: KnownOrgs | None = current_app.extensions.get("crsa-taxii-orgs")
    if known is None:  # the app's first TAXII request
        known = current_app.extensions.setdefault("crsa-taxii-orgs", KnownOrgs())
    return known


@bp.before_request
def _negotiate() -> None:
    media.check_accept()


def _filters(*, versions_default: tuple[str, ...] = ("last",), allow: set[str]) -> Filters:
    args = request.args
    for key in args:
        m = _MATCH.match(key)
        if key not in _KNOWN and not (m and m.group(1) in allow):
            raise errors.MalformedBody(f"{key} is not a filter of this endpoint")

    def listed(name: str) -> tuple[str, ...]:
        raw = args.get(f"match[{name}]")
        if raw is None:
            return ()
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        if not values:
            raise errors.MalformedBody(f"match[{name}] is empty")
        return values

    after = None
    if "added_after" in args:
        try:
            after = datetime.fromisoformat(args["added_after"].replace("Z", "+00:00"))
            if after.tzinfo is None:
                raise ValueError
        except ValueError:
            raise errors.MalformedBody(
                f"added_after {args['added_after']!r} is not a timestamp like"
                " 2026-01-01T00:00:00.000Z"
            ) from None
    versions = listed("version") or versions_default
    for v in versions:
        if v not in ("first", "last", "all"):
            try:
                datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                raise errors.MalformedBody(
                    f"match[version] {v!r} is not first, last, all or a timestamp"
                ) from None
    return Filters(listed("id"), listed("type"), versions, listed("spec_version"), after)


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return 100
    if not raw.isdigit() or int(raw) < 1:
        raise errors.MalformedBody(f"limit {raw!r} is not a positive number")
    return min(int(raw), MAX_PAGE)


def _collection(c: TaxiiCollection, desk: SharingDesk, who: Principal) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "can_read": desk.can_read(who, c),
        "can_write": desk.can_write(who, c),
        "media_types": [media.STIX],
    }
    if c.description:
        body["description"] = c.description
    if c.alias:
        body["alias"] = c.alias
    return body


def _page_headers(items: list[StixVersion]) -> dict[str, str]:
    if not items:
        return {}
    return {
        "X-TAXII-Date-Added-First": iso(items[0].date_added),
        "X-TAXII-Date-Added-Last": iso(items[-1].date_added),
    }


def _envelope(items: list[StixVersion], more: bool, next_token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"more": more}
    if next_token:
        body["next"] = next_token
    if items:
        body["objects"] = [v.object for v in items]
        served = current_app.extensions.get("crsa_metrics")
        if served is not None:
            served.taxii_objects.inc(len(items))
    return body


def _status(s: TaxiiStatus) -> dict[str, Any]:
    """The status resource; its lists are left out when empty (TAXII 2.1 s4.3.1: a list
    property, when present, holds at least one entry)."""
    body: dict[str, Any] = {
        "id": s.id,
        "status": s.status,
        "request_timestamp": iso(s.request_timestamp),
        "total_count": s.total_count,
        "success_count": s.success_count,
        "failure_count": s.failure_count,
        "pending_count": s.pending_count,
    }
    for name, entries in (("successes", s.successes), ("failures", s.failures)):
        if entries:
            body[name] = list(entries)
    return body


@bp.get("/")
def discovery() -> Response:
    _principal()
    root = f"{request.host_url.rstrip('/')}{PREFIX}/{API_ROOT}/"
    return media.respond(
        {
            "title": "crsa-hub TAXII server",
            "description": "Indicators, sightings and vulnerabilities shared under TLP 2.0",
            "default": root,
            "api_roots": [root],
        }
    )


@bp.get(f"/{API_ROOT}/")
def api_root() -> Response:
    _principal()
    return media.respond(
        {
            "title": "crsa-hub",
            "versions": [media.TAXII],
            "max_content_length": _hub().settings.max_request_bytes,
        }
    )


@bp.get(f"/{API_ROOT}/collections/")
def collections() -> Response:
    who = _principal()
    desk = _desk()
    found = [_collection(c, desk, who) for c in desk.collections(who)]
    return media.respond({"collections": found} if found else {})


@bp.get(f"/{API_ROOT}/collections/<collection_id>/")
def collection(collection_id: str) -> Response:
    who = _principal()
    desk = _desk()
    return media.respond(_collection(desk.collection(who, collection_id), desk, who))


def _asked(
    collection_id: str, object_id: str | None, allow: frozenset[str], versions: tuple[str, ...]
) -> Listing:
    return Listing(
        collection_id,
        _filters(versions_default=versions, allow=set(allow)),
        _limit(),
        request.args.get("next"),
        object_id,
    )


def _listing(
    collection_id: str,
    object_id: str | None = None,
    *,
    allow: frozenset[str] = frozenset({"id", "type", "version", "spec_version"}),
    versions_default: tuple[str, ...] = ("last",),
) -> Page:
    """One page of a collection (or of one object) for this request's filters. Errors come
    in the same order on either path: 401, then a bad filter, then 404/403."""
    login = _login()
    known = _known_orgs().get(login.digest)
    if known is None:
        who = _signed_in(login)
        page = _desk().page(who, _asked(collection_id, object_id, allow, versions_default))
    else:
        try:
            listing = _asked(collection_id, object_id, allow, versions_default)
        except errors.HubError:
            _signed_in(login)  # an unknown or revoked token hears 401 first
            raise
        page = _desk().page_signed_in(login, known, listing)
    if object_id is not None and not page.items and request.args.get("next") is None:
        raise errors.NotFound(f"no object {object_id} in collection {collection_id}")
    return page


@bp.get(f"/{API_ROOT}/collections/<collection_id>/objects/")
def get_objects(collection_id: str) -> Response:
    page = _listing(collection_id)
    return media.respond(
        _envelope(page.items, page.more, page.next), headers=_page_headers(page.items)
    )


@bp.post(f"/{API_ROOT}/collections/<collection_id>/objects/")
def add_objects(collection_id: str) -> Response:
    who = _principal()
    if not media.is_taxii_body():
        raise errors.UnsupportedMediaType(
            f"send the envelope as {media.TAXII}, not"
            f" {request.headers.get('Content-Type') or 'no Content-Type'}"
        )
    raw = read_body(_hub().settings.max_request_bytes)
    try:
        envelope = jsontext.loads_bounded(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, jsontext.TooDeep) as exc:
        raise errors.MalformedBody(f"the envelope is not JSON: {exc}") from None
    status = _desk().post(who, collection_id, envelope, _request_id())
    # Incidents and reports posted join the Knowledge Wall, as the poster's.
    arrivals.absorb(_hub().store, collection_id, envelope["objects"], who.org_id or "",
                    who.actor, _request_id())  # fmt: skip
    return media.respond(_status(status), 202)


@bp.get(f"/{API_ROOT}/collections/<collection_id>/objects/<object_id>/")
def get_object(collection_id: str, object_id: str) -> Response:
    page = _listing(collection_id, object_id, allow=frozenset({"version", "spec_version"}))
    return media.respond(
        _envelope(page.items, page.more, page.next), headers=_page_headers(page.items)
    )


@bp.delete(f"/{API_ROOT}/collections/<collection_id>/objects/<object_id>/")
def delete_object(collection_id: str, object_id: str) -> Response:
    who = _principal()
    filters = _filters(versions_default=("all",), allow={"version", "spec_version"})
    _desk().delete(who, collection_id, object_id, filters, _request_id())
    return media.respond(None, 200)


@bp.get(f"/{API_ROOT}/collections/<collection_id>/objects/<object_id>/versions/")
def versions(collection_id: str, object_id: str) -> Response:
    page = _listing(
        collection_id, object_id, allow=frozenset({"spec_version"}), versions_default=("all",)
    )
    body: dict[str, Any] = {"more": page.more, "versions": [v.version for v in page.items]}
    if page.next:
        body["next"] = page.next
    return media.respond(body, headers=_page_headers(page.items))


@bp.get(f"/{API_ROOT}/collections/<collection_id>/manifest/")
def manifest(collection_id: str) -> Response:
    page = _listing(collection_id)
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["objects"] = [
            {
                "id": v.object_id,
                "date_added": iso(v.date_added),
                "version": v.version,
                "media_type": media.STIX,
            }
            for v in page.items
        ]
    return media.respond(body, headers=_page_headers(page.items))


@bp.get(f"/{API_ROOT}/status/<status_id>/")
def status(status_id: str) -> Response:
    who = _principal()
    return media.respond(_status(_desk().status(who, status_id)))


def _request_id() -> str:
    return api_errors.request_id()


@bp.errorhandler(errors.HubError)
def _hub_error(exc: errors.HubError) -> Response:
    return taxii_error(exc)


def unexpected_error(request_id: str) -> Response:
    """A failure the hub did not foresee, as a TAXII error resource."""
    return media.error(
        500,
        "the hub failed to handle this request",
        f"report request id {request_id} to the hub operator",
    )


def taxii_error(exc: errors.HubError | HTTPException) -> Response:
    """A TAXII error resource for any error under /taxii2/ (routing errors included)."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        return media.error(status, exc.name, exc.description or "")
    status = 406 if isinstance(exc, media.NotAcceptable) else api_errors.status_of(exc)
    if status == 422:
        status = 400  # TAXII names no 422: a request the server cannot process is a 400
    extra = {"details": {"hint": exc.hint}} if exc.hint else {}
    return media.error(status, exc.message, exc.message, **extra)
