"""One incident: what was reported (agency, state, severity, TLP, activity, techniques,
vulnerabilities, observables), its timeline (reported, updated, moved, shared), the assets
it affects, and everything the hub linked it to with the reason, each one click from its
page (indicator, vulnerability, host, the other incident). Reached from the wall."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashboards import places
from dashboards.i18n import t
from dashboards.places import Places
from dashboards.view import admitted, current, href, hub, section, severity, shell, table
from dashboards.view import facts as described
from hub.core.errors import NotFound
from hub.core.store.interface import ASSETS, Query
from hub.sharing.incidents.desk import IncidentDesk

PAGE = "incident"


def layout(id: str | None = None, **_: Any) -> html.Div:
    body = [dcc.Store(id="incident-id", data=id or ""), html.Div(id="incident-body")]
    return shell(PAGE, current(), body, id=id or "")


def _target(kind: str, target: str, detail: dict[str, Any], visible: bool) -> str:
    if kind == "indicator":
        return href("indicator", id=target)
    if kind == "vulnerability":
        return href("vulnerability", id=target)
    if kind == "incident" and visible:
        return href("incident", id=target)
    if kind == "sighting" and visible and detail.get("asset_id"):
        return href("asset", id=str(detail["asset_id"]))
    return ""


def content(incident_id: str) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    store = hub().store
    desk = IncidentDesk(store)
    try:
        incident = desk.get(who, incident_id)
    except NotFound:
        return dbc.Alert(t("not.found"), color="warning", id="denied")
    agency = store.get_organization(incident.org_id)
    facts: list[tuple[str, Any]] = [
        (t("agency"), agency.name if agency else incident.org_id),
        (t("state"), t("state." + incident.state)),
        (t("severity"), severity(incident.severity)),
        ("TLP", incident.tlp.upper()),
        (
            t("activity"),
            f"{incident.first_activity:%Y-%m-%d %H:%M} → {incident.last_activity:%Y-%m-%d %H:%M}",
        ),
        (t("owner"), incident.owner or "-"),
        (t("techniques"), ", ".join(incident.techniques) or "-"),
        (t("vulnerability"), ", ".join(incident.vulnerabilities) or "-"),
        (
            t("observables"),
            html.Code(", ".join(incident.observables) or "-", id="incident-observables"),
        ),
        ("ID", incident.id),
    ]
    timeline = [
        {"at": str(m.get("at", ""))[:16].replace("T", " "), "event": t("event." + m["event"]),
         "actor": m.get("actor", ""),
         "detail": ", ".join(f"{k}={v}" for k, v in sorted(m.get("detail", {}).items()))}
        for m in incident.history
    ]  # fmt: skip
    timeline += [
        {"at": f"{incident.first_activity:%Y-%m-%d %H:%M}", "event": t("event.first"),
         "actor": "", "detail": ""},
        {"at": f"{incident.last_activity:%Y-%m-%d %H:%M}", "event": t("event.last"),
         "actor": "", "detail": ""},
    ]  # fmt: skip
    timeline.sort(key=lambda r: r["at"])
    found = desk.links(incident)
    hosts = store.select(ASSETS, Query(ids=tuple(incident.asset_ids), limit=1000))
    sighted = [
        (x.org_id, str(x.detail.get("system_id", "")), str(x.detail.get("asset_id", "")))
        for x in found
        if x.kind == "sighting" and who.sees_org(x.org_id)
    ]
    where = Places(store, [(a.org_id, a.system_id, a.id) for a in hosts] + sighted)
    links = []
    for link in found:
        visible = not link.org_id or who.sees_org(link.org_id)
        if link.kind == "incident" and not visible:
            continue  # another agency's incident: the wall's cluster summary tells of it
        shown = link.target
        if link.kind == "sighting":  # the host by name, where the reader may know it
            shown = t("elsewhere")
            if visible:
                place = where.of(
                    link.org_id,
                    str(link.detail.get("system_id", "")),
                    str(link.detail.get("asset_id", "")),
                )
                shown = f"{place['host']} ({place['agency']})"
        links.append(
            {
                "kind": t("link." + link.kind),
                "target": shown,
                "reason": link.reason,
                "href": _target(link.kind, link.target, link.detail, visible),
            }
        )
    assets = [where.of(a.org_id, a.system_id, a.id) for a in hosts]
    return [
        html.H1(incident.title, className="h4", id="incident-title"),
        described("incident-facts", facts),
        section(
            t("timeline"),
            table(
                "incident-timeline",
                timeline,
                [
                    ("at", t("when")),
                    ("event", t("event")),
                    ("actor", t("actor")),
                    ("detail", t("detail")),
                ],
            ),
        ),
        section(
            t("links"),
            table(
                "incident-links",
                links,
                [("kind", t("kind")), ("target", t("target")), ("reason", t("reason"))],
                links={"target": "href"},
            ),
        ),
        section(
            t("assets.affected"),
            table("incident-assets", assets, places.columns(), links=places.LINKS),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("incident-body", "children"),
        Input("incident-id", "data"),
        Input("incident-tick", "n_intervals"),
    )
    def refresh(incident_id: str, _: int | None) -> Any:
        # A forged callback may send anything as the id: only text names an incident.
        return content(incident_id) if isinstance(incident_id, str) and incident_id else None
