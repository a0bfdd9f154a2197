"""One partner indicator: what it says of itself (name, pattern, types, labels, kill-chain
phases, confidence, validity), who shared it under which TLP, every sighting of it on
agency hosts, each host one click from its page, and the vulnerabilities partners relate
it to, with how many hosts have them open. Reached from the sightings on the threat
sharing page and on asset pages."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashboards import data, places
from dashboards.i18n import t
from dashboards.places import Places
from dashboards.view import admitted, current, href, hub, section, shell, stat, table
from dashboards.view import facts as described
from hub.core.auth import Principal
from hub.core.records.sharing import StixVersion
from hub.core.store.interface import SIGHTINGS, STIX_OBJECTS, Query
from hub.sharing.markings import custodian_may_see
from hub.sharing.related import related_vulnerabilities

PAGE = "indicator"


def layout(id: str | None = None, **_: Any) -> html.Div:
    body = [dcc.Store(id="indicator-id", data=id or ""), html.Div(id="indicator-body")]
    return shell(PAGE, current(), body, id=id or "")


def latest(who: Principal, indicator_id: str) -> StixVersion | None:
    """The indicator's current version in whichever collection holds it, unless it is
    TLP:RED and not `who`'s own."""
    found = hub().store.iter_all(STIX_OBJECTS, object_id=indicator_id, last=True)
    live = [
        v
        for v in found
        if not v.deleted
        and v.type == "indicator"
        and custodian_may_see(v.tlp, v.owner_org, who.org_id or "")
    ]
    return max(live, key=lambda v: (v.version, v.id), default=None)


def content(indicator_id: str) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    found = latest(who, indicator_id)
    if found is None:
        return dbc.Alert(t("not.found"), color="warning", id="denied")
    store = hub().store
    obj = found.object
    sightings = list(
        store.iter_query(SIGHTINGS, who.scope(Query({"indicator_id": found.object_id})))
    )
    where = Places(store, [(s.org_id, s.system_id, s.asset_id) for s in sightings])
    partner = store.get_organization(found.owner_org)
    rows = []
    for s in sorted(sightings, key=lambda s: (not s.active, s.org_id, s.id)):
        rows.append(
            {
                **where.of(s.org_id, s.system_id, s.asset_id),
                "active": t("yes") if s.active else t("no"),
                "first": s.first_seen.isoformat(" ", "minutes"),
                "last": s.last_seen.isoformat(" ", "minutes"),
            }
        )
    phases = [
        f"{p.get('kill_chain_name', '')}: {p.get('phase_name', '')}"
        for p in obj.get("kill_chain_phases", [])
    ]
    confidence = obj.get("confidence")
    facts: list[tuple[str, str | html.Code]] = [
        (t("pattern"), html.Code(str(obj.get("pattern", "")), id="indicator-pattern")),
        (t("partner"), partner.name if partner else found.owner_org),
        ("TLP", found.tlp.upper()),
        (t("types"), ", ".join(obj.get("indicator_types", [])) or "-"),
        (t("labels"), ", ".join(obj.get("labels", [])) or "-"),
        (t("phases"), ", ".join(phases) or "-"),
        (t("confidence"), str(confidence) if confidence is not None else "-"),
        (t("valid"), f"{obj.get('valid_from', '-')} → {obj.get('valid_until', '')}"),
        ("ID", found.object_id),
    ]
    active = [s for s in sightings if s.active]
    related = related_vulnerabilities(store, obj)
    open_here = data.open_on(store, who, sorted(related))
    return [
        html.H1(str(obj.get("name") or found.object_id), className="h4", id="indicator-name"),
        dbc.Row(
            [
                stat("indicator-hosts", t("hosts"), str(len({s.asset_id for s in active}))),
                stat("indicator-agencies", t("agencies"), str(len({s.org_id for s in active}))),
            ]
        ),
        described("indicator-facts", facts),
        section(
            t("sightings"),
            table(
                "indicator-sightings",
                rows,
                [
                    *places.columns(),
                    ("active", t("active")),
                    ("first", t("first.seen")),
                    ("last", t("last.seen")),
                ],
                links=places.LINKS,
            ),
        ),
        section(
            t("related.vulns"),
            table(
                "indicator-vulns",
                [
                    {
                        "vuln": name,
                        "href": href("vulnerability", id=name) if name in open_here else "",
                        "how": how,
                        "hosts": len(open_here.get(name, ())),
                    }
                    for name, how in sorted(related.items())
                ],
                [
                    ("vuln", t("vulnerability")),
                    ("how", t("relationship")),
                    ("hosts", t("hosts.affected")),
                ],
                links={"vuln": "href"},
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("indicator-body", "children"),
        Input("indicator-id", "data"),
        Input("indicator-tick", "n_intervals"),
    )
    def refresh(indicator_id: str, _: int | None) -> Any:
        return content(indicator_id) if indicator_id else None
