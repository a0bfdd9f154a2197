"""The Knowledge Wall: the incidents agencies reported, as cards by state with the newest
activity first, and the clusters they form (the same observables reported by several
agencies: one campaign). The operator's roles see every incident and cluster; an agency
its own incidents, and of other agencies' clusters a summary with nothing that names them:
how many incidents and agencies, the techniques, and the shared observables that are not
internal addresses."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from dashboards import data
from dashboards.i18n import t
from dashboards.pages import report
from dashboards.view import admitted, current, href, hub, section, severity, shell, stat
from hub.core.auth import Principal
from hub.core.records.incidents import Incident, IncidentState
from hub.core.store.interface import INCIDENTS, Query
from hub.sharing.incidents.correlation import clusters
from hub.sharing.incidents.sanitise import internal
from hub.sharing.markings import Tlp

PAGE = "wall"
SEVERITIES = ("critical", "high", "medium", "low")


def layout(**_: Any) -> html.Div:
    who = current()
    orgs = (
        []
        if who is None or who.scoped
        else [{"label": o.name, "value": o.id} for o in data.agencies(hub().store, who)]
    )
    filters = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(id="wall-org", options=orgs, placeholder=t("agency")),
                md=3,
                style=None if orgs else {"display": "none"},  # an agency sees its own
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="wall-severity",
                    options=[{"label": severity(s), "value": s} for s in SEVERITIES],
                    placeholder=t("severity"),
                ),
                md=3,
            ),
            dbc.Col(
                dcc.Input(
                    id="wall-technique",
                    placeholder=t("technique"),
                    className="form-control",
                    debounce=True,
                ),
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="wall-tlp",
                    options=[{"label": f"TLP:{v.value.upper()}", "value": v.value} for v in Tlp],
                    placeholder="TLP",
                ),
                md=3,
            ),
        ],
        class_name="mb-3",
    )
    return shell(
        PAGE,
        who,
        [html.H1(t(PAGE), className="h4"), report.form(who, orgs), filters,
         html.Div(id="wall-body")],
    )  # fmt: skip


def _card(i: Incident, agency: str) -> dbc.Card:
    techniques = ", ".join(i.techniques) or "-"
    return dbc.Card(
        dbc.CardBody(
            [
                html.A(
                    i.title,
                    href=href("incident", id=i.id),
                    className="h6 d-block",
                    id=f"card-{i.id}",
                ),
                html.Div(
                    [
                        dbc.Badge(
                            severity(i.severity),
                            color=_colour(i.severity),
                            text_color="dark" if i.severity in ("low", "high") else None,
                            class_name="me-1",
                        ),
                        dbc.Badge(f"TLP:{i.tlp.upper()}", color="secondary", class_name="me-1"),
                    ]
                ),
                html.Div(agency, className="small") if agency else None,
                html.Div(
                    f"{t('last.activity')}: {i.last_activity:%Y-%m-%d %H:%M}",
                    className="small text-muted",
                ),
                html.Div(f"{t('techniques')}: {techniques}", className="small text-muted"),
            ]
        ),
        class_name="mb-2 wall-card",
    )


def _colour(level: str) -> str:
    return {"critical": "danger", "high": "warning", "medium": "info"}.get(level, "light")


def _text(value: Any) -> str | None:
    """A filter's value as the page set it; anything else (a forged callback) is none."""
    return value if isinstance(value, str) and value else None


def _matches(i: Incident, org: str | None, level: str | None, technique: str | None,
             tlp: str | None) -> bool:  # fmt: skip
    wanted = (technique or "").strip().upper()
    return (
        (not org or i.org_id == org)
        and (not level or i.severity == level)
        and (not wanted or any(x.upper().startswith(wanted) for x in i.techniques))
        and (not tlp or i.tlp == tlp)
    )


def _summary(group: list[Incident], who: Principal, names: dict[str, str]) -> dbc.Card:
    """A cluster as `who` may read it: an agency sees others' clusters without a name,
    a title or an internal address; operators see them whole."""
    agencies = {i.org_id for i in group}
    shared = set.intersection(*(set(i.observables) for i in group)) if len(group) > 1 else set()
    shown = sorted(k for k in shared if not internal(k.split("=", 1)[1], frozenset()))
    techniques = sorted({x for i in group for x in i.techniques})
    lines: list[Any] = [
        html.Div(
            t("cluster.size").format(incidents=len(group), agencies=len(agencies)),
            className="h6",
        ),
        html.Div(f"{t('observables')}: {', '.join(shown) or '-'}", className="small"),
        html.Div(f"{t('techniques')}: {', '.join(techniques) or '-'}", className="small"),
    ]
    if not who.scoped:
        lines.append(
            html.Div(
                ", ".join(sorted(names.get(o, o) for o in agencies)), className="small text-muted"
            )
        )
        lines += [html.A(i.title, href=href("incident", id=i.id), className="d-block small")
                  for i in group]  # fmt: skip
    else:
        own = [i for i in group if i.org_id == who.org_id]
        lines += [html.A(i.title, href=href("incident", id=i.id), className="d-block small")
                  for i in own]  # fmt: skip
    return dbc.Card(dbc.CardBody(lines), class_name="mb-2 wall-cluster")


def content(org: str | None, level: str | None, technique: str | None, tlp: str | None) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    store = hub().store
    every = list(store.iter_query(INCIDENTS, Query(limit=10_000)))
    mine = [i for i in every if who.sees_org(i.org_id)]
    shown = [i for i in mine if _matches(i, org, level, technique, tlp)]
    names = {o.id: o.name for o in data.agencies(store, who)} if not who.scoped else {}
    columns = []
    for state in IncidentState:
        cards = sorted(
            (i for i in shown if i.state == state.value),
            key=lambda i: i.last_activity,
            reverse=True,
        )
        columns.append(
            dbc.Col(
                [
                    html.H2(f"{t('state.' + state.value)} ({len(cards)})", className="h6"),
                    *[_card(i, names.get(i.org_id, "")) for i in cards],
                ],
                md=3,
                id=f"wall-{state.value}",
            )
        )
    groups = [g for g in clusters(i for i in every if i.open) if len(g) > 1]
    if who.scoped:  # an agency: clusters it is part of, or that others form among themselves
        groups = [g for g in groups if len({i.org_id for i in g}) > 1 or g[0].org_id != who.org_id]
    open_ = [i for i in mine if i.open]
    return [
        dbc.Row(
            [
                stat("wall-open", t("incidents.open"), str(len(open_))),
                stat("wall-clusters", t("clusters"), str(len(groups))),
                stat(
                    "wall-critical",
                    severity("critical"),
                    str(sum(i.severity == "critical" for i in open_)),
                ),
            ]
        ),
        dbc.Row(columns, id="wall-columns"),
        section(
            t("clusters"),
            html.Div([_summary(g, who, names) for g in groups], id="wall-cluster-list"),
        ),
    ]


def register(app: Dash) -> None:
    report.register(app)

    @app.callback(
        Output("wall-body", "children"),
        Input("wall-org", "value"),
        Input("wall-severity", "value"),
        Input("wall-technique", "value"),
        Input("wall-tlp", "value"),
        Input("wall-tick", "n_intervals"),
        Input("report-result", "children"),
    )
    def refresh(org: str | None, level: str | None, technique: str | None, tlp: str | None,
                _: int | None, __: Any) -> Any:  # fmt: skip
        return content(_text(org), _text(level), _text(technique), _text(tlp))
