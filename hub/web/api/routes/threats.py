"""Threats through the REST API: the indicators and sightings of every TAXII collection the
token may read, under the one rule TAXII reads them by (`SharingDesk.threats`: collection
rights, TLP and audience, granular markings). OpenCTI and MISP users expect them through an
API as well as through TAXII; a second rule here would let the two disagree."""

from __future__ import annotations

from hub.core.auth import Action
from hub.core.errors import NotFound
from hub.core.records.sharing import StixVersion
from hub.sharing.desk import Filters, Listing, Page, SharingDesk
from hub.web.api.endpoint import Call, Router
from hub.web.api.threat_schemas import ThreatObject, ThreatOut, ThreatPage, ThreatQuery

router = Router("threats")


def _out(v: StixVersion) -> ThreatOut:
    return ThreatOut(
        id=v.object_id,
        type=v.type,
        version=v.version,
        collection_id=v.collection_id,
        date_added=v.date_added,
        tlp=v.tlp,
        object=v.object,
    )


def _page(call: Call, stix_type: str) -> ThreatPage:
    q: ThreatQuery = call.query
    listing = Listing(
        q.collection_id or "",
        Filters(types=(stix_type,), added_after=q.added_after),
        limit=q.limit,
        next_token=q.next,
    )
    page: Page = SharingDesk(call.store).threats(call.who, listing)
    return ThreatPage(items=[_out(v) for v in page.items], next=page.next)


@router.route(
    "GET",
    "/indicators",
    summary="Indicators the token may read, over its readable TAXII collections",
    query=ThreatQuery,
    response=ThreatPage,
    errors=(403, 404),
    needs=Action.READ_THREATS,
)
def list_indicators(call: Call) -> ThreatPage:
    return _page(call, "indicator")


@router.route(
    "GET",
    "/indicators/<indicator_id>",
    summary="One indicator, its newest version the token may read",
    response=ThreatObject,
    errors=(404,),
    needs=Action.READ_THREATS,
)
def get_indicator(call: Call, indicator_id: str) -> ThreatObject:
    listing = Listing("", Filters(types=("indicator",)), limit=1000, object_id=indicator_id)
    found = SharingDesk(call.store).threats(call.who, listing).items
    if not found:  # absent, or not readable: the same answer, as TAXII gives
        raise NotFound(f"no indicator {indicator_id}")
    newest = max(found, key=lambda v: (v.version, v.date_added))
    return ThreatObject(
        id=newest.object_id,
        type=newest.type,
        object=newest.object,
        collections=sorted({v.collection_id for v in found}),
    )


@router.route(
    "GET",
    "/sightings",
    summary="Sightings the token may read, over its readable TAXII collections",
    query=ThreatQuery,
    response=ThreatPage,
    errors=(403, 404),
    needs=Action.READ_THREATS,
)
def list_sightings(call: Call) -> ThreatPage:
    return _page(call, "sighting")
