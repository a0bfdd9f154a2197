"""One system, between its agency and its hosts: its score and what makes it (its riskiest
hosts, each a link), the vulnerabilities open in it, open findings by severity over time,
its history, and what it is (criticality, exposure, SBOMs). Reached from the agency page
and wherever a system is named (vulnerability, indicator and sharing pages, an asset)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from dashboards import data
from dashboards.i18n import count, t
from dashboards.pages import vulns
from dashboards.places import Places
from dashboards.view import (
    admitted,
    chart,
    current,
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
    trail,
)
from dashboards.view import facts as described
from hub.core.errors import HubError
from hub.core.model import utcnow
from hub.core.store.interface import ASSETS, Query
from hub.risk.scoring.compute import score_as_of

PAGE = "system"
RISKIEST = 50  # hosts listed by their part of the score; the agency page pages through all


def layout(id: str | None = None, **_: Any) -> html.Div:
    body = [dcc.Store(id="system-id", data=id or ""), html.Div(id="system-body")]
    return shell(PAGE, current(), body, id=id or "")


def content(system_id: str) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    ctx = hub()
    try:
        system = ctx.registry.system(who, system_id)  # scoped: another agency's is 404
    except HubError:
        return dbc.Alert(t("not.found"), color="warning", id="denied")
    store = ctx.store
    rec = score_as_of(store, f"system:{system.id}", utcnow())
    parts = sorted(
        (rec.contributions.get("parts", []) if rec else []),
        key=lambda p: -float(p.get("points", 0)),
    )
    hosts = [str(p.get("detail", "")).partition("asset:")[2] for p in parts]
    where = Places(store, [(system.org_id, system.id, h or None) for h in hosts])

    def label(part: dict[str, Any], host: str) -> str:
        """A part of a system's score is a host's (or a finding of the whole system)."""
        named = where.of(system.org_id, system.id, host)["host"] if host else None
        return (named or str(part.get("reason") or part.get("detail", ""))) + flagged(
            part.get("flags", [])
        )

    top = [(p, h) for p, h in zip(parts, hosts, strict=True) if float(p.get("points", 0)) > 0]
    why = go.Figure(
        go.Bar(
            x=[float(p.get("points", 0)) for p, _ in top[:15]][::-1],
            y=[label(p, h) for p, h in top[:15]][::-1],
            orientation="h",
        )
    )
    biggest = f"{label(*top[0])}: {points(float(top[0][0].get('points', 0)))}" if top else "-"
    riskiest = [
        {
            **where.of(system.org_id, system.id, h),
            "points": round(float(p.get("points", 0)), 1),
            "flags": flagged(p.get("flags", [])).strip(" ()"),
        }
        for p, h in top[:RISKIEST]
        if h
    ]
    total = store.count_by(ASSETS, "system_id", Query({"system_id": system.id}))
    assets = int(total.get(system.id, 0))
    within: dict[str, str | bool] = {"system_id": system.id}
    names = {system.org_id: where.agency(system.org_id)}
    open_ = vulns.rows(data.exposures(store, who, False, within=within), names)
    sboms = store.list_sboms(subject=f"system:{system.id}", current=True)
    history = store.score_history(f"system:{system.id}")[-90:]
    agency = where.of(system.org_id, system.id, None)
    return [
        trail(
            "system-trail",
            [(agency["agency"], agency["agency_href"]), (system.name, "")],
        ),
        html.H1(system.name, className="h4", id="system-name"),
        dbc.Row(
            [
                stat("system-grade", t("grade"), grade(rec.grade, rec.band) if rec else "-"),
                stat("system-per-asset", t("per.asset"), points(rec.measure) if rec else "-"),
                stat("system-points", t("points"), points(rec.points) if rec else "-"),
                stat("system-assets", t("assets"), str(assets)),
                stat("system-vulns", t("vulns"), str(len(open_))),
            ]
        ),
        described(
            "system-facts",
            [
                (t("agency"), html.A(agency["agency"], href=agency["agency_href"])),
                (t("criticality"), t(f"criticality.{system.criticality.value}")),
                (t("internet.facing"), t("yes") if system.internet_facing else t("no")),
                (t("description"), system.description or "-"),
                ("SBOM", str(len(sboms))),
            ],
        ),
        section(
            t("breakdown"), chart("system-breakdown", figure(why, 40 * len(top[:15]) + 80), biggest)
        ),
        section(
            t("riskiest.hosts"),
            html.P(
                html.A(
                    count("all.assets", assets),
                    href=href("agency", org=system.org_id, system=system.id),
                    id="system-all-assets",
                )
            ),
            table(
                "system-hosts",
                riskiest,
                [("host", t("hostname")), ("points", t("points")), ("flags", t("flags"))],
                links={"host": "host_href"},
            ),
        ),
        section(
            t("vulns"),
            table(
                "system-vulns-table",
                open_,
                [h for h in vulns.headers() if h[0] not in ("agencies", "who")],
                links={"vuln": "href"},
            ),
        ),
        section(t("severity.history"), severity_trend("system-severity", who, within)),
        section(
            t("history"),
            chart(
                "system-history", figure(grade_trend(history), 260), count("records", len(history))
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("system-body", "children"),
        Input("system-id", "data"),
        Input("system-tick", "n_intervals"),
    )
    def refresh(system_id: str, _: int | None) -> Any:
        return content(system_id) if system_id else None
