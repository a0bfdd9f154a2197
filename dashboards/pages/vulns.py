"""Exploited and critical vulnerabilities open across agencies: who is affected and by
when it must be fixed (the KEV due date)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, html

from dashboards import data
from dashboards.i18n import t
from dashboards.view import admitted, chart, current, figure, hub, section, shell, stat, table

PAGE = "vulns"


def layout(**_: Any) -> html.Div:
    body = [
        dbc.Checklist(
            id="vulns-kev-only",
            options=[{"label": t("kev.only"), "value": "kev"}],
            value=[],
            switch=True,
            className="mb-3",
        ),
        html.Div(id="vulns-body"),
    ]
    return shell(PAGE, current(), body)


def content(kev_only: bool) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    store = hub().store
    rows = data.exposures(store, who, kev_only)
    names = {o.id: o.name for o in data.agencies(store, who)}
    shown = [
        {
            "vuln": r["vuln"],
            "package": r["package"],
            "severity": r["severity"],
            "kev": r["kev"],
            "due": r["due"],
            "agencies": len(r["orgs"]),
            "hosts": len(r["hosts"]),
            "who": ", ".join(sorted(names.get(o, o) for o in r["orgs"])),
        }
        for r in rows
    ]
    top = sorted(shown, key=lambda r: -r["hosts"])[:15]
    bars = go.Figure(
        go.Bar(x=[r["hosts"] for r in top][::-1], y=[r["vuln"] for r in top][::-1], orientation="h")
    )
    widest = f"{top[0]['vuln']}: {top[0]['hosts']} {t('hosts')}" if top else "-"
    return [
        dbc.Row(
            [
                stat("vulns-count", t("vulns"), str(len(shown))),
                stat("vulns-kev", "KEV", str(sum(r["kev"] for r in shown))),
                stat("vulns-hosts", t("hosts"), str(sum(r["hosts"] for r in shown))),
            ]
        ),
        section(t("hosts"), chart("vulns-chart", figure(bars, 30 * len(top) + 80), widest)),
        section(
            t("vulns"),
            table(
                "vulns-table",
                shown,
                [
                    ("vuln", t("vulnerability")),
                    ("package", t("package")),
                    ("severity", t("severity")),
                    ("kev", "KEV"),
                    ("due", t("due")),
                    ("agencies", t("agencies")),
                    ("hosts", t("hosts")),
                    ("who", t("agency")),
                ],
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("vulns-body", "children"),
        Input("vulns-kev-only", "value"),
        Input("vulns-tick", "n_intervals"),
    )
    def refresh(kev: list[str], _: int | None) -> Any:
        return content("kev" in (kev or []))
