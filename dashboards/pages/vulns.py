"""Open vulnerabilities across agencies, exploited (KEV) first: who is affected and by when
it must be fixed; every severity counted, unrated ones included; notices (unmaintained,
unsound) listed apart, since they are not vulnerabilities."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, html

from dashboards import data
from dashboards.i18n import count, t
from dashboards.view import (
    SEVERITY_COLOURS,
    admitted,
    chart,
    current,
    figure,
    href,
    hub,
    section,
    severity,
    severity_trend,
    shell,
    stat,
    table,
)

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


def rows(found: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Open vulnerabilities as the tables show them (the vulnerabilities page, a system's),
    each a link to its own page."""
    return [
        {
            "vuln": r["vuln"],
            "href": href("vulnerability", id=r["vuln"]),
            "package": r["package"],
            "severity": severity(r["severity"]),
            "kev": r["kev"],
            "due": r["due"],
            "agencies": len(r["orgs"]),
            "hosts": len(r["hosts"]),
            "who": ", ".join(sorted(names.get(o, o) for o in r["orgs"])),
        }
        for r in found
    ]


def headers() -> list[tuple[str, str]]:
    return [
        ("vuln", t("vulnerability")),
        ("package", t("package")),
        ("severity", t("severity")),
        ("kev", "KEV"),
        ("due", t("due")),
        ("agencies", t("agencies")),
        ("hosts", t("hosts.affected")),
        ("who", t("agency")),
    ]


def content(kev_only: bool) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    store = hub().store
    names = {o.id: o.name for o in data.agencies(store, who)}
    shown = rows(data.exposures(store, who, kev_only), names)
    notices = rows(data.exposures(store, who, kev_only, notices=True), names)
    counts = data.severity_counts(store, who)
    top = sorted(shown, key=lambda r: -r["hosts"])[:15]
    bars = go.Figure(
        go.Bar(x=[r["hosts"] for r in top][::-1], y=[r["vuln"] for r in top][::-1], orientation="h")
    )
    widest = f"{top[0]['vuln']}: {count('hosts', top[0]['hosts'])}" if top else "-"
    rated = [s for s in data.SEVERITY_ORDER if s != "info"]
    breakdown = go.Figure(
        go.Bar(x=[severity(s) for s in rated], y=[counts[s] for s in rated], marker={"color": [
            SEVERITY_COLOURS[s] for s in rated]})
    )  # fmt: skip
    spelled = ", ".join(f"{severity(s)} {counts[s]}" for s in rated)
    return [
        dbc.Row(
            [
                stat("vulns-count", t("vulns"), str(len(shown))),
                stat("vulns-kev", "KEV", str(sum(r["kev"] for r in shown))),
                stat("vulns-unrated", t("unrated.findings"), str(counts["unknown"])),
                stat("vulns-notices", t("notice.findings"), str(counts["info"])),
            ]
        ),
        section(t("open.findings"), chart("vulns-severity", figure(breakdown, 260), spelled)),
        section(t("severity.history"), severity_trend("vulns-history", who)),
        section(t("widest"), chart("vulns-chart", figure(bars, 30 * len(top) + 80), widest)),
        section(t("vulns"), table("vulns-table", shown, headers(), links={"vuln": "href"})),
        section(
            t("notices"), table("vulns-notices-table", notices, headers(), links={"vuln": "href"})
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
