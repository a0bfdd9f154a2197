"""National overview: every agency's score and grade, ranked; the national trend; overdue
KEV findings; how fresh the feeds are."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, html

from dashboards import data
from dashboards.i18n import t
from dashboards.view import (
    admitted,
    band,
    chart,
    current,
    figure,
    grade,
    grade_trend,
    href,
    hub,
    points,
    section,
    shell,
    stat,
    table,
)
from hub.core.model import utcnow
from hub.risk.scoring.compute import score_as_of

PAGE = "overview"


def layout(**_: Any) -> html.Div:
    return shell(PAGE, current(), html.Div(id="overview-body"))


def body() -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    store = hub().store
    now = utcnow()
    ranked = data.agency_scores(store, who, now)
    nation = score_as_of(store, "nation", now)
    overdue = data.overdue_kev(store, who, now.date().isoformat())
    names = [r.org.name for r in ranked]
    grades = [r.score.grade if r.score else 0.0 for r in ranked]
    labels = [
        f"{grade(r.score.grade, r.score.band)}; {points(r.score.measure)} {t('per.asset')},"
        f" {points(r.score.points)} {t('points')}"
        if r.score
        else "-"
        for r in ranked
    ]
    bars = go.Figure(
        go.Bar(
            x=grades[::-1],
            y=names[::-1],
            orientation="h",
            marker={"color": [band(r.score.band if r.score else "") for r in ranked][::-1]},
            customdata=labels[::-1],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    bars.update_xaxes(range=[0, 100], title=t("grade"))
    top = ranked[0] if ranked and ranked[0].score else None
    ranking = f"{top.org.name}: {labels[0]}" if top and top.score else t("no.score")
    history = store.score_history("nation")[-120:]
    trend = grade_trend(history)
    change = (
        f"{grade(history[0].grade, history[0].band)} → {grade(history[-1].grade, history[-1].band)}"
        if history
        else t("no.score")
    )
    feeds = [
        {
            "feed": f"{f.source.value}: {data.shown_location(f.location, hub().settings.home)}",
            "synced": f.synced_at.isoformat(" ", "minutes") if f.synced_at else t("never"),
            "records": f.records,
        }
        for f in store.list_feeds()
    ] + [
        {
            "feed": f"TAXII {f.direction}: {f.url}",
            "synced": f.last_sync.isoformat(" ", "minutes") if f.last_sync else t("never"),
            "records": f.received,
        }
        for f in data.partner_feeds(store)
    ]
    return [
        dbc.Row(
            [
                stat(
                    "overview-nation-grade",
                    f"{t('nation')}: {t('grade')}",
                    grade(nation.grade, nation.band) if nation else "-",
                ),
                stat(
                    "overview-nation-points",
                    f"{t('nation')}: {t('points')}",
                    points(nation.points) if nation else "-",
                ),
                stat("overview-agencies", t("agencies"), str(len(ranked))),
                stat("overview-kev-overdue", t("kev.overdue"), str(sum(overdue.values()))),
            ]
        ),
        section(
            t("ranked"), chart("overview-ranked", figure(bars, 30 * len(ranked) + 80), ranking)
        ),
        section(t("trend"), chart("overview-trend", figure(trend, 280), change)),
        section(
            t("kev.overdue"),
            table(
                "overview-kev-table",
                [
                    {
                        "agency": r.org.name,
                        "href": href("agency", org=r.org.id),
                        "overdue": overdue.get(r.org.id, 0),
                    }
                    for r in ranked
                ],
                [("agency", t("agency")), ("overdue", t("kev.overdue"))],
                links={"agency": "href"},
            ),
        ),
        section(
            t("feeds"),
            table(
                "overview-feeds",
                feeds,
                [("feed", t("feed")), ("synced", t("synced")), ("records", t("records"))],
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(Output("overview-body", "children"), Input("overview-tick", "n_intervals"))
    def refresh(_: int | None) -> Any:
        return body()
