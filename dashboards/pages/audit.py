"""Audit and export: make, download and verify signed auditor exports; browse the audit
log and see whether its hash chain is intact."""

from __future__ import annotations

import uuid
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from dash.dcc.express import send_bytes

from dashboards.i18n import t
from dashboards.session import require_recent_sign_in
from dashboards.view import admitted, current, hub, refusal, section, shell, stat, table
from hub.core.audit import verify as verify_chain
from hub.core.auth import Action
from hub.core.errors import HubError
from hub.risk.exports import auditor, desk

PAGE = "audit"
SHOWN = 200


def layout(**_: Any) -> html.Div:
    who = current()
    exporter = who is not None and who.may(Action.EXPORT)
    exports = html.Div(
        section(
            t("export"),
            dbc.Button(t("export"), id="audit-export", color="primary", className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(dcc.Dropdown(id="audit-exports", placeholder=t("export.choose")), md=8),
                    dbc.Col(
                        dbc.ButtonGroup(
                            [
                                dbc.Button(
                                    "ZIP", id="audit-download", color="secondary", outline=True
                                ),
                                dbc.Button(
                                    t("verify"), id="audit-verify", color="secondary", outline=True
                                ),
                            ]
                        ),
                        md=4,
                    ),
                ],
                className="mb-2",
            ),
            html.Div(id="audit-result", role="status", className="mb-4"),
            dcc.Download(id="audit-zip"),
        ),
        hidden=not exporter,
    )
    actions = dcc.Dropdown(id="audit-filter", placeholder=t("action"), className="mb-2")
    return shell(
        PAGE,
        who,
        [
            exports,
            html.Div(id="audit-body"),
            section(t("audit.log"), actions, html.Div(id="audit-log")),
        ],
    )


def register(app: Dash) -> None:
    @app.callback(
        Output("audit-body", "children"),
        Output("audit-filter", "options"),
        Input("audit-tick", "n_intervals"),
        Input("audit-result", "children"),
    )
    def refresh(_: int | None, __: Any) -> tuple[Any, Any]:
        who = admitted(PAGE)
        if who is None:
            return None, []
        store = hub().store
        head = store.audit_head()
        chain = verify_chain(store.iter_audit())
        kinds = sorted(
            {
                e.action
                for e in store.iter_audit(after_seq=max(0, (head.seq if head else 0) - SHOWN))
            }
        )
        return dbc.Row(
            [
                stat("audit-entries", t("audit.log"), str(head.seq if head else 0)),
                stat(
                    "audit-chain",
                    t("chain"),
                    t("chain.ok") if chain.ok else f"{t('chain.broken')} (#{chain.broken_seq})",
                ),
                stat("audit-head", t("chain.head"), (head.hash[:16] if head else "-")),
            ]
        ), [{"label": k, "value": k} for k in kinds]

    @app.callback(
        Output("audit-log", "children"),
        Input("audit-filter", "value"),
        Input("audit-tick", "n_intervals"),
        Input("audit-result", "children"),
    )
    def log(action: str | None, _: int | None, __: Any) -> Any:
        who = admitted(PAGE)
        if who is None:
            return None
        store = hub().store
        head = store.audit_head()
        start = max(0, (head.seq if head else 0) - SHOWN)
        entries = [e for e in store.iter_audit(after_seq=start) if not action or e.action == action]
        rows = [
            {
                "seq": e.seq,
                "at": e.at.isoformat(" ", "seconds"),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
            }
            for e in reversed(entries)
        ]
        return table(
            "audit-log-table",
            rows,
            [
                ("seq", "#"),
                ("at", t("at")),
                ("actor", t("actor")),
                ("action", t("action")),
                ("target", t("target")),
            ],
        )

    @app.callback(
        Output("audit-exports", "options"),
        Input("audit-result", "children"),
        Input("audit-tick", "n_intervals"),
    )
    def listed(_: Any, __: int | None) -> list[dict[str, str]]:
        who = current()
        if who is None or not who.may(Action.EXPORT):
            return []
        return [
            {"label": f"{m['created_at']} · {m['scope']} · {i[:8]}", "value": i}
            for i, m in desk.made(hub().settings, who)
        ]

    @app.callback(
        Output("audit-result", "children"),
        Input("audit-export", "n_clicks"),
        Input("audit-verify", "n_clicks"),
        State("audit-exports", "value"),
        prevent_initial_call=True,
    )
    def act(made: int | None, checked: int | None, export_id: str | None) -> Any:
        who = current()
        if who is None:
            return None
        try:
            if ctx.triggered_id == "audit-export":
                require_recent_sign_in()
                new_id, _ = desk.create(
                    hub().store, hub().settings, who, None, f"ui-{uuid.uuid4().hex}"
                )
                return dbc.Alert(f"{t('saved')}: {new_id}", color="success", id="audit-made")
            if not export_id:
                return None
            who.require(Action.EXPORT)
            problems = auditor.verify(desk.located(hub().settings, export_id))
        except HubError as exc:
            return refusal(exc)
        if problems:
            return dbc.Alert(
                [t("failed"), html.Ul([html.Li(p) for p in problems])],
                color="danger",
                id="audit-verify-failed",
            )
        return dbc.Alert(t("verified"), color="success", id="audit-verified")

    @app.callback(
        Output("audit-zip", "data"),
        Input("audit-download", "n_clicks"),
        State("audit-exports", "value"),
        prevent_initial_call=True,
    )
    def download(_: int | None, export_id: str | None) -> Any:
        who = current()
        if who is None or not export_id:
            return None
        data = desk.zipped(hub().settings, who, export_id)
        return send_bytes(data, f"crsa-export-{export_id}.zip")
