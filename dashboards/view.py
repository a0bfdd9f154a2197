"""The pieces every page is built from: the page frame (menu, language, logout), number
formats, charts with a written summary beside them, tables, and the colour-blind-safe
palette (Okabe and Ito) every chart uses."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from flask import current_app

from dashboards import data
from dashboards.access import MENU, PATHS, may_see
from dashboards.i18n import TEXT, grid_text, language, t
from dashboards.session import PREFIX, csrf_token, viewer
from hub.core.auth import Principal
from hub.core.errors import HubError
from hub.core.model import utcnow
from hub.core.records.scores import ScoreRecord
from hub.risk.scoring.policy import ScoringPolicy, load_policy
from hub.web.context import HubContext

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
REFRESH_MS = 30_000
WIDE = frozenset(
    {
        "title",
        "package",
        "purl",
        "component",
        "url",
        "feed",
        "indicator",
        "who",
        "collection",
        "vuln",
        "pattern",
    }
)


def hub() -> HubContext:
    ctx: HubContext = current_app.extensions["crsa"]
    return ctx


def href(page: str, **query: str) -> str:
    path = PREFIX.rstrip("/") + PATHS[page]
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def points(value: float) -> str:
    return f"{value:,.1f}"


def grade(value: float, letter: str = "") -> str:
    """'64 D high': the risk index never stands without its band, so nobody reads a high
    number as a good mark (scores from before bands show the number alone)."""
    if not letter:
        return f"{value:.0f}"
    return f"{value:.0f} {letter} {band_word(letter)}"


def grade_trend(history: Sequence[ScoreRecord]) -> go.Figure:
    """A subject's risk index over time, each point with its band; drawn as steps, since a
    score holds until the run that changes it."""
    trend = go.Figure(
        go.Scatter(
            x=[r.computed_at for r in history],
            y=[r.grade for r in history],
            customdata=[grade(r.grade, r.band) for r in history],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines+markers",
            line_shape="hv",
        )
    )
    trend.update_yaxes(range=[0, 100], title=t("grade"))
    return trend


def severity(value: str) -> str:
    """A finding's severity as people say it: 'unknown' reads 'unrated', 'info' 'notice'."""
    key = f"severity.{value}"
    return t(key) if key in TEXT else value


def band_word(letter: str) -> str:
    """The band's word in the user's language: the catalogue's for the default bands,
    else the policy's own word."""
    key = f"band.{letter}"
    if key in TEXT:
        return t(key)
    return policy().grades.label(letter).partition(" ")[2]


def policy() -> ScoringPolicy:
    return _policy(hub().settings.scoring_policy)


@lru_cache(maxsize=4)
def _policy(path: str) -> ScoringPolicy:
    return load_policy(path)[0]


BAND_COLOURS = ("#0072B2", "#56B4E9", "#F0E442", "#E69F00", "#D55E00")  # A..E, blue to vermilion


def band(letter: str) -> str:
    """A band's colour, from blue (A, low) to vermilion (E, severe)."""
    letters = [b.letter for b in policy().grades.bands]
    if letter not in letters:
        return PALETTE[7]
    step = letters.index(letter) * (len(BAND_COLOURS) - 1) // max(1, len(letters) - 1)
    return BAND_COLOURS[step]


def shell(page: str, who: Principal | None, body: Any, **query: str) -> html.Div:
    """The frame of a page for `who`: the menu shows only the pages the role may open."""
    if who is None or not may_see(who, page):
        body = denied()
    links = [
        dbc.NavItem(dbc.NavLink(t(p), href=href(p), active=p == page, id=f"nav-{p}"))
        for p in MENU
        if may_see(who, p)
    ]
    other = "en" if language() == "ja" else "ja"
    here = href(page, **query)
    if who is not None and who.display_name:
        links.append(
            dbc.NavItem(html.Span(who.display_name, id="nav-who", className="navbar-text mx-2"))
        )
    links += [
        dbc.NavItem(
            dbc.NavLink(
                t("language"),
                href=f"{PREFIX}lang/{other}?next={here}",
                external_link=True,
                id="nav-language",
            )
        ),
        dbc.NavItem(
            # A form post with the session's CSRF token: logging out ends the session on
            # the server, and no other site can do it for the user.
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf", value=csrf_token()),
                    html.Button(
                        t("logout"), id="nav-logout", type="submit", className="nav-link btn"
                    ),
                ],
                action=f"{PREFIX}logout",
                method="post",
                className="d-inline",
            )
        ),
    ]
    return html.Div(
        [
            dbc.NavbarSimple(
                links,
                brand=t("app"),
                brand_href=href("overview"),
                color="dark",
                dark=True,
                fluid=True,
                class_name="mb-3",
            ),
            html.Main(dbc.Container(body, fluid=True), id="main", lang=language()),
            dcc.Interval(id=f"{page}-tick", interval=REFRESH_MS),
        ]
    )


def denied() -> html.Div:
    return html.Div(dbc.Alert(t("not.found"), color="warning", id="denied"), role="alert")


def stat(id_: str, label: str, value: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="text-muted small"),
                    html.Div(value, id=id_, className="h3 mb-0"),
                ]
            )
        ),
        md=3,
        class_name="mb-3",
    )


def figure(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        colorway=list(PALETTE),
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"size": 13},
    )
    return fig


def chart(id_: str, fig: go.Figure, summary: str) -> dbc.Row:
    """A chart with its text summary beside it, for screen readers and quick reading."""
    return dbc.Row(
        [
            dbc.Col(dcc.Graph(id=id_, figure=fig, config={"displaylogo": False}), md=9),
            dbc.Col(
                [html.H3(t("summary"), className="h6"), html.P(summary, id=f"{id_}-summary")],
                md=3,
            ),
        ],
        class_name="mb-4",
    )


def table(
    id_: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    links: dict[str, str] | None = None,
    **grid: Any,
) -> dag.AgGrid:
    """A keyboard-navigable grid; `columns` are (field, header). `links` makes a column's
    cells links to the hub page whose path each row holds in the named field (text stays
    text: assets/dashAgGridComponentFunctions.js)."""
    linked = links or {}
    return dag.AgGrid(
        id=id_,
        rowData=list(rows),
        columnDefs=[
            {
                "field": f,
                "headerName": h,
                "sortable": True,
                "filter": True,
                "flex": 4 if f in WIDE else 1,
                "tooltipField": f,
                **(
                    {"cellRenderer": "HubLink", "cellRendererParams": {"hrefField": linked[f]}}
                    if f in linked
                    else {}
                ),
            }
            for f, h in columns
        ],
        defaultColDef={"resizable": True, "flex": 1, "minWidth": 110},
        dashGridOptions={
            "domLayout": "autoHeight",
            "pagination": len(rows) > 20,
            "paginationPageSize": 20,
            "ensureDomOrder": True,
            "localeText": grid_text(),
        },
        className="ag-theme-alpine mb-4",
        **grid,
    )


# Okabe & Ito, worst in vermilion; unrated in grey so it reads "unknown", not "fine".
SEVERITY_COLOURS = {
    "critical": "#D55E00",
    "high": "#E69F00",
    "medium": "#F0E442",
    "unknown": "#999999",
    "low": "#56B4E9",
    "none": "#0072B2",
}


def severity_trend(
    id_: str, who: Principal, within: dict[str, str | bool] | None = None
) -> dbc.Row:
    """Open findings by severity over the last 90 days, stacked with the unrated, as
    Dependency-Track's portfolio chart: the nation's, an agency's or (`within`) a
    system's, as far as `who` may see."""
    rated = [s for s in data.SEVERITY_ORDER if s != "info"]
    days, history = data.severity_history(hub().store, who, utcnow().date(), within=within)
    stacked = go.Figure(
        [
            go.Scatter(
                x=days, y=history[s], name=severity(s), stackgroup="open", mode="lines",
                line={"color": SEVERITY_COLOURS[s]},
            )
            for s in rated
        ]
    )  # fmt: skip
    today = ", ".join(f"{severity(s)} {history[s][-1]}" for s in rated)
    return chart(id_, figure(stacked, 300), today)


def flagged(flags: Sequence[str]) -> str:
    """A score's flags (overdue, unreported...) in the reader's language, in brackets."""
    words = [t(f"flag.{f}") if f"flag.{f}" in TEXT else f for f in flags]
    return f" ({', '.join(words)})" if words else ""


def trail(id_: str, steps: Sequence[tuple[str, str]]) -> html.Nav:
    """Where a page sits: agency, then system, then host, each a link up."""
    items = [
        html.Li(html.A(label, href=path) if path else label, className="breadcrumb-item")
        for label, path in steps
    ]
    aria: dict[str, Any] = {"aria-label": t("trail")}
    return html.Nav(html.Ol(items, className="breadcrumb"), id=id_, **aria)


def facts(id_: str, items: Sequence[tuple[str, Any]]) -> html.Dl:
    """What one thing is, as label and value pairs (a vulnerability, an indicator)."""
    return html.Dl(
        [part for label, value in items for part in (html.Dt(label), html.Dd(value))],
        id=id_,
        className="mb-4",
    )


def section(title: str, *children: Any) -> html.Section:
    return html.Section([html.H2(title, className="h5 mt-2"), *children])


def current() -> Principal | None:
    return viewer()


def admitted(page: str) -> Principal | None:
    """The signed-in user if their role may see `page`; None otherwise, and a callback
    then shows nothing (the layout already said why)."""
    who = viewer()
    return who if who is not None and may_see(who, page) else None


def refusal(exc: HubError) -> Any:
    """A refused action as the page shows it: the reason, and where the hint is a page of
    the dashboards (sign in again), a link to it."""
    parts: list[Any] = [f"{t('refused')}: {exc.message}"]
    if exc.hint and exc.hint.startswith("/ui/"):
        parts += [" ", html.A(t("login.again"), href=exc.hint, id="refused-signin")]
    return dbc.Alert(parts, color="danger", id="refused")
