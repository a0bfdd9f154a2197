"""One asset: its software, its findings, partner indicators seen on it, and a timeline
of its score and of when each finding appeared."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from dashboards.i18n import count, t
from dashboards.places import Places
from dashboards.view import (
    admitted,
    chart,
    current,
    figure,
    grade,
    href,
    hub,
    points,
    section,
    severity,
    shell,
    stat,
    table,
    trail,
)
from hub.core.errors import HubError
from hub.core.model import FindingStatus, utcnow
from hub.core.store.interface import ASSET_TAGS, SIGHTINGS
from hub.risk.scoring.compute import score_as_of

PAGE = "asset"


def layout(id: str | None = None, **_: Any) -> html.Div:
    who = current()
    body = [dcc.Store(id="asset-id", data=id or ""), html.Div(id="asset-body")]
    return shell(PAGE, who, body, id=id or "")


def content(asset_id: str) -> Any:
    who = admitted(PAGE)
    if who is None:
        return None
    ctx = hub()
    try:
        asset = ctx.registry.asset(who, asset_id)  # scoped: another agency's asset is 404
    except HubError:
        return dbc.Alert(t("not.found"), color="warning", id="denied")
    store = ctx.store
    rec = score_as_of(store, f"asset:{asset.id}", utcnow())
    findings = store.list_findings(asset_id=asset.id, limit=10_000)
    open_ = [f for f in findings if f.status is FindingStatus.OPEN]
    sightings = list(store.iter_all(SIGHTINGS, asset_id=asset.id))
    packages = store.list_asset_packages(asset.id)
    history = store.score_history(f"asset:{asset.id}")[-90:]
    line = go.Figure(
        go.Scatter(
            x=[r.computed_at for r in history],
            y=[r.points for r in history],
            mode="lines+markers",
            name=t("points"),
        )
    )
    line.add_trace(
        go.Scatter(
            x=[f.first_seen for f in findings],
            y=[0] * len(findings),
            mode="markers",
            name=t("findings"),
            text=[f.vuln_id for f in findings],
            marker={"symbol": "triangle-up", "size": 10},
        )
    )
    tagged = store.fetch(ASSET_TAGS, asset.id)
    tags = html.Div(
        [
            dbc.Badge(tag, color="dark", class_name="me-1", id={"type": "asset-tag", "tag": tag})
            for tag in (tagged.tags if tagged else ())
        ],
        id="asset-tags",
        className="mb-3",
        title=t("tags"),
    )
    place = Places(store, [(asset.org_id, asset.system_id, asset.id)])
    here = place.of(asset.org_id, asset.system_id, asset.id)
    return [
        trail(
            "asset-trail",
            [
                (here["agency"], here["agency_href"]),
                (here["system"], here["system_href"]),
                (here["host"], ""),
            ],
        ),
        html.H1(asset.hostname or asset.identifier, className="h4", id="asset-name"),
        tags,
        dbc.Row(
            [
                stat("asset-points", t("points"), points(rec.points) if rec else "-"),
                stat("asset-grade", t("grade"), grade(rec.grade, rec.band) if rec else "-"),
                stat("asset-findings", t("findings"), str(len(open_))),
                stat("asset-sightings", t("sightings"), str(sum(s.active for s in sightings))),
                stat("asset-software", t("software"), str(len(packages))),
            ]
        ),
        section(
            t("timeline"),
            chart(
                "asset-timeline",
                figure(line, 260),
                f"{count('findings', len(findings))}, {count('records', len(history))}",
            ),
        ),
        section(
            t("findings"),
            table(
                "asset-findings-table",
                [
                    {
                        "vuln": f.vuln_id,
                        "href": href("vulnerability", id=f.vuln_id),
                        "package": f.purl,
                        "severity": severity(f.severity.value),
                        "kev": f.kev,
                        "due": f.kev_due or "",
                        "status": t(f"finding.{f.status.value}"),
                        "first_seen": f.first_seen.date().isoformat(),
                    }
                    for f in findings
                ],
                [
                    ("vuln", t("vulnerability")),
                    ("package", t("package")),
                    ("severity", t("severity")),
                    ("kev", "KEV"),
                    ("due", t("due")),
                    ("status", t("status")),
                    ("first_seen", t("first.seen")),
                ],
                links={"vuln": "href"},
            ),
        ),
        section(
            t("sightings"),
            table(
                "asset-sightings-table",
                [
                    {
                        "indicator": (s.profile or {}).get("name") or s.indicator_id,
                        "href": href("indicator", id=s.indicator_id),
                        "first": s.first_seen.isoformat(" ", "minutes"),
                        "last": s.last_seen.isoformat(" ", "minutes"),
                        "active": s.active,
                    }
                    for s in sightings
                ],
                [
                    ("indicator", t("indicator")),
                    ("first", t("first.seen")),
                    ("last", t("last.seen")),
                    ("active", t("active")),
                ],
                links={"indicator": "href"},
            ),
        ),
        section(
            t("software"),
            table(
                "asset-software-table",
                [{"name": p.name, "version": p.version, "purl": p.purl} for p in packages],
                [
                    ("name", t("name")),
                    ("version", t("version")),
                    ("purl", "purl"),
                ],  # the Package URL standard's own name,
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("asset-body", "children"),
        Input("asset-id", "data"),
        Input("asset-tick", "n_intervals"),
    )
    def refresh(asset_id: str, _: int | None) -> Any:
        return content(asset_id) if asset_id else None
