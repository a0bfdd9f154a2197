"""Threat sharing: indicators in from partners and out from the hub, by partner and TLP;
sightings of partner indicators on agency hosts; how each partner feed is syncing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html
from flask import request

from dashboards import data, places
from dashboards.i18n import count, t
from dashboards.places import Places
from dashboards.view import (
    admitted,
    chart,
    current,
    figure,
    href,
    hub,
    section,
    shell,
    stat,
    table,
)
from hub.core.auth import Principal
from hub.core.model import OrgKind, Role
from hub.core.records.sharing import Sighting, StixVersion
from hub.core.store import Store
from hub.core.store.interface import STIX_OBJECTS, TAXII_COLLECTIONS, Query
from hub.sharing.desk import API_ROOT, TAXII_PATH, SharingDesk
from hub.sharing.markings import ORDER, custodian_may_see, may_read

PAGE = "sharing"


def layout(**_: Any) -> html.Div:
    who = current()
    if who is not None and who.role is Role.PARTNER:  # its own collections: no TLP filter
        hidden = dcc.Dropdown(id="sharing-tlp", options=[], style={"display": "none"})
        return shell(PAGE, who, [hidden, html.Div(id="sharing-body")])
    levels = [{"label": tlp.value.upper(), "value": tlp.value} for tlp in ORDER]
    body = [
        dcc.Dropdown(
            id="sharing-tlp", options=levels, multi=True, placeholder="TLP", className="mb-3"
        ),
        html.Div(id="sharing-body"),
    ]
    return shell(PAGE, current(), body)


def tallies(tlps: list[str], reader: str) -> tuple[list[dict[str, Any]], list[StixVersion]]:
    """Latest versions of objects by collection, owner and TLP, read a page at a time; and,
    from the same pass, the indicators `reader` may see on this page (TLP:RED only its
    own), so the objects are read once per refresh."""
    store = hub().store
    indicators: list[StixVersion] = []
    kinds = {o.id: o for o in store.list_organizations(limit=10_000)}
    titles = {c.id: c.title for c in store.iter_all(TAXII_COLLECTIONS)}
    counts: Counter[tuple[str, str, str, str]] = Counter()
    after: Any = None
    while True:
        page = store.select(
            STIX_OBJECTS, Query(equals={"last": True, "deleted": False}, after=after, limit=5_000)
        )
        for v in page:
            if tlps and v.tlp not in tlps:
                continue
            if v.type == "indicator" and custodian_may_see(v.tlp, v.owner_org, reader):
                indicators.append(v)
            owner = kinds.get(v.owner_org)
            direction = t("in") if owner and owner.kind is OrgKind.PARTNER else t("out")
            counts[
                (
                    titles.get(v.collection_id, v.collection_id),
                    owner.name if owner else v.owner_org,
                    direction,
                    v.tlp,
                )
            ] += 1
        if len(page) < 5_000:
            break
        after = page[-1].id
    rows = [
        {"collection": c, "partner": p, "direction": d, "tlp": tlp.upper(), "objects": n}
        for (c, p, d, tlp), n in sorted(counts.items())
    ]
    return rows, indicators


SHOWN_INDICATORS = 1_000  # the newest; the TAXII collections hold every one


def indicator_rows(
    found: list[StixVersion], seen: Counter[str], names: dict[str, str]
) -> list[dict[str, Any]]:
    """The newest indicators as an analyst reads them (name, pattern, types, labels,
    confidence, who shared them under which TLP, on how many hosts they are seen), each a
    link to its page."""
    newest = sorted(found, key=lambda v: (v.version, v.id), reverse=True)
    rows = []
    for v in newest[:SHOWN_INDICATORS]:
        obj = v.object
        rows.append(
            {
                "indicator": str(obj.get("name") or v.object_id),
                "href": href("indicator", id=v.object_id),
                "pattern": str(obj.get("pattern", "")),
                "types": ", ".join(obj.get("indicator_types", [])),
                "labels": ", ".join(obj.get("labels", [])),
                "confidence": obj.get("confidence"),
                "partner": names.get(v.owner_org, v.owner_org),
                "tlp": v.tlp.upper(),
                "hosts": seen.get(v.object_id, 0),
                "modified": str(obj.get("modified", ""))[:16].replace("T", " "),
            }
        )
    return rows


def partner_view(who: Principal) -> Any:
    """What a partner sees: the collections it may read or write, what of each it may
    read (TLP and audience applied, as its TAXII client would be served), and how to reach
    them. Nothing of the agencies' (sightings, hosts, other partners' feeds)."""
    desk = SharingDesk(hub().store)
    org = who.org_id or ""
    root = f"{request.host_url.rstrip('/')}{TAXII_PATH}/{API_ROOT}/"
    rows = []
    for c in sorted(desk.collections(who), key=lambda c: c.title):
        readable = 0
        if desk.can_read(who, c):
            found = hub().store.iter_all(STIX_OBJECTS, collection_id=c.id, last=True)
            readable = sum(
                1 for v in found if not v.deleted and may_read(v.tlp, v.owner_org, v.audience, org)
            )
        rows.append(
            {
                "collection": c.title,
                "alias": c.alias,
                "read": t("yes") if desk.can_read(who, c) else t("no"),
                "write": t("yes") if desk.can_write(who, c) else t("no"),
                "tlp": c.default_tlp.upper(),
                "objects": readable,
                "url": f"{root}collections/{c.id}/objects/",
            }
        )
    return [
        dbc.Row([stat("sharing-collections", t("your.collections"), str(len(rows)))]),
        section(
            t("your.collections"),
            html.P(t("taxii.help"), className="text-body-secondary"),
            html.Pre(
                f"from taxii2client.v21 import Server\n"
                f'server = Server("{request.host_url.rstrip("/")}{TAXII_PATH}/",'
                ' user="token", password="<your token>")',
                className="bg-body-tertiary p-2",
            ),
            table(
                "sharing-collections-table",
                rows,
                [
                    ("collection", t("collection")),
                    ("alias", t("alias")),
                    ("read", t("may.read")),
                    ("write", t("may.write")),
                    ("tlp", "TLP"),
                    ("objects", t("objects")),
                    ("url", "URL"),
                ],
            ),
        ),
    ]


def sighting_rows(
    store: Store, sightings: list[Sighting], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Sightings as people know them: the indicator by name (its id one click away on the
    indicator page), its partner, the agency, system and host by name, each a link."""
    places = Places(store, [(s.org_id, s.system_id, s.asset_id) for s in sightings])
    rows = []
    for s in sightings:
        profile = s.profile or {}
        rows.append(
            {
                "indicator": profile.get("name") or s.indicator_id,
                "href": href("indicator", id=s.indicator_id),
                "types": ", ".join(profile.get("types", [])),
                "source": names.get(str(profile.get("source", "")), ""),
                "tlp": str(profile.get("tlp", "")).upper(),
                **places.of(s.org_id, s.system_id, s.asset_id),
                "first": s.first_seen.isoformat(" ", "minutes"),
                "last": s.last_seen.isoformat(" ", "minutes"),
            }
        )
    return rows


def content(tlps: list[str]) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    if who.role is Role.PARTNER:
        return partner_view(who)
    store = hub().store
    rows, held = tallies(tlps, who.org_id or "")
    sightings = data.active_sightings(store, who)
    names = {o.id: o.name for o in store.list_organizations(limit=10_000)}
    by_tlp: Counter[str] = Counter()
    for r in rows:
        by_tlp[r["tlp"]] += r["objects"]
    bars = go.Figure(go.Bar(x=list(by_tlp), y=list(by_tlp.values())))
    feeds = [
        {
            "url": f.url,
            "direction": f.direction,
            "partner": names.get(f.org_id, f.org_id),
            "synced": f.last_sync.isoformat(" ", "minutes") if f.last_sync else t("never"),
            "received": f.received,
            "error": f.last_error,
        }
        for f in data.partner_feeds(store)
    ]
    incoming = sum(r["objects"] for r in rows if r["direction"] == t("in"))
    seen = Counter(s.indicator_id for s in sightings)
    indicators = indicator_rows(held, seen, names)
    return [
        dbc.Row(
            [
                stat("sharing-in", t("in"), str(incoming)),
                stat("sharing-out", t("out"), str(sum(r["objects"] for r in rows) - incoming)),
                stat("sharing-sightings", t("sightings"), str(len(sightings))),
                stat("sharing-feeds", t("partner.feeds"), str(len(feeds))),
            ]
        ),
        section(
            t("in.out"),
            chart(
                "sharing-chart",
                figure(bars, 260),
                ", ".join(f"{k}: {v}" for k, v in by_tlp.items()) or "-",
            ),
            table(
                "sharing-table",
                rows,
                [
                    ("collection", t("collection")),
                    ("partner", t("partner")),
                    ("direction", t("direction")),
                    ("tlp", "TLP"),
                    ("objects", t("objects")),
                ],
            ),
        ),
        section(
            t("indicators"),
            html.P(
                count("indicators.shown", len(indicators)) + f" / {len(held):,}",
                id="sharing-indicators-count",
            ),
            table(
                "sharing-indicators",
                indicators,
                [
                    ("indicator", t("indicator")),
                    ("pattern", t("pattern")),
                    ("types", t("types")),
                    ("labels", t("labels")),
                    ("confidence", t("confidence")),
                    ("partner", t("partner")),
                    ("tlp", "TLP"),
                    ("hosts", t("hosts.affected")),
                    ("modified", t("modified")),
                ],
                links={"indicator": "href"},
            ),
        ),
        section(
            t("sightings"),
            table(
                "sharing-sightings-table",
                sighting_rows(store, sightings, names),
                [
                    ("indicator", t("indicator")),
                    ("types", t("types")),
                    ("source", t("partner")),
                    ("tlp", "TLP"),
                    *places.columns(),
                    ("first", t("first.seen")),
                    ("last", t("last.seen")),
                ],
                links={"indicator": "href", **places.LINKS},
            ),
        ),
        section(
            t("partner.feeds"),
            table(
                "sharing-feeds-table",
                feeds,
                [
                    ("url", t("feed")),
                    ("direction", t("direction")),
                    ("partner", t("partner")),
                    ("synced", t("synced")),
                    ("received", t("objects")),
                    ("error", t("error")),
                ],
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("sharing-body", "children"),
        Input("sharing-tlp", "value"),
        Input("sharing-tick", "n_intervals"),
    )
    def refresh(tlps: list[str] | None, _: int | None) -> Any:
        return content(tlps or [])
