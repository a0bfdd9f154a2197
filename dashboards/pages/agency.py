"""One agency: its score and why, its systems, its assets (paged on the server, so an
agency of 100,000 assets opens as fast as one of ten), and its history."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx, dcc, html

from dashboards import data
from dashboards.access import may_see
from dashboards.i18n import count, t
from dashboards.view import (
    admitted,
    chart,
    current,
    denied,
    figure,
    flagged,
    grade,
    grade_trend,
    href,
    hub,
    points,
    section,
    severity_trend,
    shell,
    stat,
    table,
)
from hub.core.auth import Principal
from hub.core.model import utcnow
from hub.risk.scoring.compute import score_as_of

PAGE = "agency"
ASSET_PAGE = 50


def chosen(who: Principal, org: str | None) -> str | None:
    """The agency to show: an agency user's own, whatever the address asks for."""
    if who.scoped:
        return who.org_id if org in (None, "", who.org_id) else None
    if org:
        return org if hub().store.get_organization(org) is not None else None
    found = data.agencies(hub().store, who)
    return found[0].id if found else None


def layout(org: str | None = None, system: str | None = None, **_: Any) -> html.Div:
    who = current()
    if who is None or not may_see(who, PAGE):
        return shell(PAGE, who, None)
    org_id = chosen(who, org)
    if org_id is None:
        return shell(PAGE, who, denied(), org=org or "")
    picker = (
        []
        if who.scoped
        else [
            dbc.Label(t("agency"), html_for="agency-picker"),
            dcc.Dropdown(
                id="agency-picker",
                options=[{"label": o.name, "value": o.id} for o in data.agencies(hub().store, who)],
                value=org_id,
                clearable=False,
            ),
        ]
    )
    body = [
        dcc.Store(id="agency-org", data=org_id),
        dcc.Store(id="agency-cursors", data={"stack": [None], "more": False}),
        dcc.Location(id="agency-location", refresh=True),
        html.Div(picker, className="mb-3"),
        html.Div(id="agency-body"),
        section(
            t("assets"),
            dcc.Dropdown(
                id="agency-system-filter",
                placeholder=t("all.systems"),
                # From a system page's "all assets" link; the options are there from the
                # start, else the dropdown drops a value it has no option for.
                options=system_options(org_id),
                value=system or None,
                className="mb-2",
            ),
            dag.AgGrid(
                id="agency-assets",
                columnDefs=[
                    # Plain text in a link the hub builds (assets/dashAgGridComponentFunctions.js):
                    # a hostname holding Markdown must not become a live link.
                    {"field": "hostname", "headerName": t("hostname"), "cellRenderer": "HubLink"},
                    {
                        "field": "system",
                        "headerName": t("system"),
                        "cellRenderer": "HubLink",
                        "cellRendererParams": {"hrefField": "system_href"},
                    },
                    {"field": "os", "headerName": t("os")},
                    {"field": "last_seen", "headerName": t("last.seen")},
                    {"field": "points", "headerName": t("points"), "type": "numericColumn"},
                ],
                defaultColDef={"resizable": True, "flex": 1},
                dashGridOptions={"domLayout": "autoHeight", "ensureDomOrder": True},
                className="ag-theme-alpine mb-2",
            ),
            dbc.ButtonGroup(
                [
                    dbc.Button(t("prev"), id="agency-prev", color="secondary", outline=True),
                    dbc.Button(t("next"), id="agency-next", color="secondary", outline=True),
                ],
                className="mb-4",
            ),
        ),
    ]
    return shell(PAGE, who, body, org=org_id)


def summary(who: Principal, org_id: str) -> list[Any]:
    store = hub().store
    now = utcnow()
    rec = score_as_of(store, f"organization:{org_id}", now)
    all_systems = list(store.iter_all_systems(org_id))
    scores = store.latest_scores([f"system:{s.id}" for s in all_systems], now)
    systems: list[dict[str, Any]] = []
    for s in all_systems:
        sr = scores.get(f"system:{s.id}")
        systems.append(
            {
                "system": s.name,
                "href": href("system", id=s.id),
                "criticality": t(f"criticality.{s.criticality.value}"),
                "points": round(sr.points, 1) if sr else None,
                "per_asset": round(sr.measure, 1) if sr else None,
                "grade": grade(sr.grade, sr.band) if sr else None,
                "index": sr.grade if sr else 0.0,
            }
        )
    systems.sort(key=lambda r: (-r["index"], -(r["points"] or 0)))
    parts = rec.contributions.get("parts", []) if rec else []
    parts = sorted(parts, key=lambda p: -float(p.get("points", 0)))[:15]
    names = {f"system:{s.id}": s.name for s in all_systems}

    def label(part: dict[str, Any]) -> str:
        """A part of an agency's score is a system's: named, with its flags (overdue...)."""
        detail = str(part.get("detail", ""))
        return names.get(detail, str(part.get("reason") or detail)) + flagged(part.get("flags", []))

    why = go.Figure(
        go.Bar(
            x=[p.get("points", 0) for p in parts][::-1],
            y=[label(p) for p in parts][::-1],
            orientation="h",
        )
    )
    history = store.score_history(f"organization:{org_id}")[-90:]
    trend = grade_trend(history)
    biggest = (
        f"{label(parts[0])}: {points(float(parts[0].get('points', 0)))}" if parts else t("no.score")
    )
    name = store.get_organization(org_id)
    content = [
        html.H1(name.name if name else org_id, className="h4", id="agency-name"),
        dbc.Row(
            [
                stat("agency-grade", t("grade"), grade(rec.grade, rec.band) if rec else "-"),
                stat("agency-per-asset", t("per.asset"), points(rec.measure) if rec else "-"),
                stat("agency-points", t("points"), points(rec.points) if rec else "-"),
                stat("agency-systems", t("systems"), str(len(systems))),
                stat(
                    "agency-assets-total",
                    t("assets"),
                    str(rec.coverage.get("assets", "-")) if rec else "-",
                ),
            ]
        ),
        section(
            t("systems"),
            table(
                "agency-systems-table",
                systems,
                [
                    ("system", t("system")),
                    ("criticality", t("criticality")),
                    ("grade", t("grade")),
                    ("per_asset", t("per.asset")),
                    ("points", t("points")),
                ],
                links={"system": "href"},
            ),
        ),
        section(
            t("breakdown"), chart("agency-breakdown", figure(why, 40 * len(parts) + 80), biggest)
        ),
        section(
            t("history"),
            chart("agency-history", figure(trend, 260), count("records", len(history))),
        ),
        section(t("severity.history"), severity_trend("agency-severity", who, {"org_id": org_id})),
    ]
    return content


def system_options(org_id: str) -> list[dict[str, str]]:
    return [{"label": s.name, "value": s.id} for s in hub().store.iter_all_systems(org_id)]


def assets_page(org_id: str, system_id: str | None, after: str | None) -> tuple[list[Any], bool]:
    store = hub().store
    now = utcnow()
    found = store.list_assets(
        org_id=org_id, system_id=system_id or None, after=after, limit=ASSET_PAGE + 1
    )
    names = {s.id: s.name for s in store.iter_all_systems(org_id)}
    scores = store.latest_scores([f"asset:{a.id}" for a in found[:ASSET_PAGE]], now)
    rows = []
    for a in found[:ASSET_PAGE]:
        rec = scores.get(f"asset:{a.id}")
        rows.append(
            {
                "id": a.id,
                "hostname": a.hostname or a.identifier,
                "href": href("asset", id=a.id),
                "system": names.get(a.system_id, a.system_id),
                "system_href": href("system", id=a.system_id),
                "os": f"{a.os_name} {a.os_version}".strip(),
                "last_seen": a.last_seen.isoformat(" ", "minutes") if a.last_seen else "",
                "points": round(rec.points, 1) if rec else None,
            }
        )
    return rows, len(found) > ASSET_PAGE


def register(app: Dash) -> None:
    @app.callback(
        Output("agency-body", "children"),
        Input("agency-org", "data"),
        Input("agency-tick", "n_intervals"),
    )
    def refresh(org_id: str, _: int | None) -> Any:
        who = admitted(PAGE)
        if who is None or not org_id or not who.sees_org(org_id):
            return None
        return summary(who, org_id)

    @app.callback(
        Output("agency-location", "href"),
        Input("agency-picker", "value"),
        State("agency-org", "data"),
        prevent_initial_call=True,
    )
    def pick(org_id: str, shown: str) -> str | None:
        return href(PAGE, org=org_id) if org_id and org_id != shown else None

    @app.callback(
        Output("agency-assets", "rowData"),
        Output("agency-cursors", "data"),
        Input("agency-org", "data"),
        Input("agency-system-filter", "value"),
        Input("agency-next", "n_clicks"),
        Input("agency-prev", "n_clicks"),
        State("agency-cursors", "data"),
    )
    def page(
        org_id: str, system_id: str | None, _n: Any, _p: Any, state: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        who = admitted(PAGE)
        if who is None or not who.sees_org(org_id):
            return [], {"stack": [None], "more": False}
        stack = list(state.get("stack", [None]))
        if ctx.triggered_id in ("agency-org", "agency-system-filter"):
            stack = [None]
        elif ctx.triggered_id == "agency-prev" and len(stack) > 1:
            stack.pop()
        elif ctx.triggered_id == "agency-next" and state.get("more"):
            stack.append(state.get("last"))
        rows, more = assets_page(org_id, system_id, stack[-1])
        last = rows[-1]["id"] if rows else None
        return rows, {"stack": stack, "more": more, "last": last}
