"""The triage queue, CRSA's "knowledge wall": every action that removes risk, worst first,
with filters, and status changes for those whose role manages the queue."""

from __future__ import annotations

import uuid
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from dashboards import data
from dashboards.i18n import language, t
from dashboards.view import admitted, current, hub, points, section, shell, stat, table
from hub.core.auth import Action
from hub.core.errors import HubError
from hub.core.records.triage import TriageStatus
from hub.risk.triage import TriageDesk

PAGE = "triage"
# Ranked remediation actions, then what playbooks open (docs/playbooks.md).
KINDS = [
    "upgrade", "mitigate", "configure", "sighting", "incident", "score", "sbom_missing",
    "feed_failed",
]  # fmt: skip
SETTABLE = [s.value for s in TriageStatus if s is not TriageStatus.ACCEPTED_RISK]


def shown_title(r: dict[str, Any]) -> str:
    """The action's title in the reader's language: the API's own words in English, the
    catalogue's in Japanese, from the same parts (what, where, points, KEV due date)."""
    if language() != "ja":
        return str(r["title"])
    kind, _, what = str(r["key"]).partition(" ")
    name = r.get("subject_title") or what.removeprefix("indicator ").removeprefix("incident ")
    if r.get("kind") == "incident":
        kind = "incident"
    head = {
        "upgrade": t("action.upgrade").format(what=what, target=r["target"]),
        "mitigate": t("action.mitigate").format(what=what),
        "investigate": t("action.investigate").format(name=name),
        "incident": t("action.incident").format(name=name),
    }.get(kind, t("action.check").format(what=what))
    where = t("action.where").format(assets=r["assets"], agencies=r["agencies"])
    removes = t("action.removes").format(points=f"{r['points']:,.0f}")
    text = t("action.title").format(head=head, where=where, removes=removes)
    return text + (f"; {t('action.kev').format(due=r['kev_due'])}" if r["kev_due"] else "")


def layout(**_: Any) -> html.Div:
    who = current()
    statuses = [{"label": t(f"status.{s.value}"), "value": s.value} for s in TriageStatus]
    orgs = (
        []
        if who is None or who.scoped
        else [{"label": o.name, "value": o.id} for o in data.agencies(hub().store, who)]
    )
    filters = dbc.Row(
        [
            dbc.Col(dcc.Dropdown(id="triage-status", options=statuses, placeholder=t("status"))),
            dbc.Col(
                dcc.Dropdown(
                    id="triage-kind",
                    options=[{"label": k, "value": k} for k in KINDS],
                    placeholder=t("kind"),
                )
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="triage-org", options=orgs, placeholder=t("agency"), disabled=not orgs
                )
            ),
        ],
        className="mb-3",
    )
    manages = who is not None and who.may(Action.MANAGE_TRIAGE)
    change = html.Div(
        section(
            t("set.status"),
            dbc.Row(
                [
                    dbc.Col(dcc.Dropdown(id="triage-action", placeholder=t("title")), md=6),
                    dbc.Col(
                        dcc.Dropdown(
                            id="triage-new-status",
                            options=[{"label": t(f"status.{s}"), "value": s} for s in SETTABLE],
                        ),
                        md=3,
                    ),
                    dbc.Col(dbc.Button(t("apply"), id="triage-apply", color="primary"), md=3),
                ]
            ),
            html.Div(id="triage-message", role="status", className="mt-2 mb-4"),
        ),
        hidden=not manages,
    )  # hidden, not absent: the page's callbacks keep their parts
    return shell(PAGE, who, [filters, change, html.Div(id="triage-body")])


def rows(status: str | None, org: str | None, kind: str | None = None) -> list[dict[str, Any]]:
    who = current()
    if who is None:
        return []
    return TriageDesk(hub().store).queue(who, status=status, org_id=org, kind=kind)


def _last_playbook(row: dict[str, Any]) -> str:
    """The playbook that last commented on a ranked action (its comments say who)."""
    by = [c["by"] for c in row["comments"] if str(c.get("by", "")).startswith("playbook:")]
    return by[-1].split(":", 1)[1] if by else ""


def content(queue: list[dict[str, Any]]) -> Any:
    shown = [
        {
            "rank": r["rank"],
            "title": shown_title(r),
            "points": round(r["points"], 1),
            "findings": r["findings"],
            "assets": r["assets"],
            "agencies": r["agencies"],
            "due": r["kev_due"] or "",
            "status": t(f"status.{r['status']}"),
            "owner": r["owner"],
            "playbook": r.get("playbook") or _last_playbook(r),
        }
        for r in queue
    ]
    return [
        dbc.Row(
            [
                stat("triage-count", t("actions"), str(len(shown))),
                stat("triage-top", t("top.points"), points(queue[0]["points"]) if queue else "-"),
                stat(
                    "triage-open",
                    f"{t('status')}: {t('status.open')}",
                    str(sum(r["status"] == "open" for r in queue)),
                ),
            ]
        ),
        section(
            t("actions"),
            table(
                "triage-table",
                shown,
                [
                    ("rank", t("rank")),
                    ("title", t("title")),
                    ("points", t("points")),
                    ("findings", t("findings")),
                    ("assets", t("hosts")),
                    ("agencies", t("agencies")),
                    ("due", t("due")),
                    ("status", t("status")),
                    ("owner", t("owner")),
                    ("playbook", t("playbook")),
                ],
            ),
        ),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("triage-body", "children"),
        Input("triage-status", "value"),
        Input("triage-org", "value"),
        Input("triage-kind", "value"),
        Input("triage-tick", "n_intervals"),
        Input("triage-message", "children"),
    )
    def refresh(
        status: str | None, org: str | None, kind: str | None, _: int | None, __: Any
    ) -> Any:
        who = admitted(PAGE)
        if who is None:
            return None
        return content(rows(status, org, kind))

    @app.callback(
        Output("triage-action", "options"),
        Input("triage-tick", "n_intervals"),
        Input("triage-message", "children"),
    )
    def choices(_: int | None, __: Any) -> list[dict[str, str]]:
        return [
            {"label": f"#{r['rank']} {shown_title(r)}", "value": r["id"]}
            for r in rows(None, None)[:200]
        ]

    @app.callback(
        Output("triage-message", "children"),
        Input("triage-apply", "n_clicks"),
        State("triage-action", "value"),
        State("triage-new-status", "value"),
        prevent_initial_call=True,
    )
    def apply(_: int | None, action_id: str | None, status: str | None) -> Any:
        who = current()
        if who is None or not action_id or not status:
            return None
        try:
            row = TriageDesk(hub().store).update(
                who, action_id, f"ui-{uuid.uuid4().hex}", status=status, owner=who.actor
            )
        except HubError as exc:
            return dbc.Alert(f"{t('refused')}: {exc.message}", color="danger")
        return dbc.Alert(
            f"{t('saved')}: {shown_title(row)} → {t('status.' + row['status'])}",
            color="success",
            id="triage-saved",
        )
