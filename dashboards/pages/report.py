"""Reporting an incident from the dashboards: the wall's form. What it sends is the API's
form (`IncidentForm`), through the same desk, checks and audit trail: a refused report
says why and changes nothing. Observables are typed one per line and recognised by their
shape (an address, a URL, a SHA-256, else a domain name)."""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from pydantic import ValidationError

from dashboards.i18n import t
from dashboards.view import current, href, hub, severity
from hub.core.auth import Action, Principal
from hub.core.errors import HubError
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentForm
from hub.sharing.markings import Tlp

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def observable(line: str) -> dict[str, str]:
    """One typed line as the form's observable: by its shape."""
    value = line.strip()
    try:
        ip = ipaddress.ip_address(value)
        return {"type": "ipv6-addr" if ip.version == 6 else "ipv4-addr", "value": value}
    except ValueError:
        pass
    if "://" in value:
        return {"type": "url", "value": value}
    if _SHA256.match(value):
        return {"type": "file", "value": value}
    return {"type": "domain-name", "value": value}


def form(who: Principal | None, agencies: list[dict[str, str]]) -> Any:
    """The form, for a role that may report (an agency reports for itself; the operator's
    roles pick the agency)."""
    if who is None or not who.may(Action.REPORT_INCIDENTS):
        return None
    field = "mb-2"
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("report.incident"), className="h6"),
                dcc.Dropdown(id="report-org", options=agencies, placeholder=t("agency"),
                             className=field, style=None if agencies else {"display": "none"}),
                dbc.Input(id="report-title", placeholder=t("report.title"), className=field),
                dbc.Row([
                    dbc.Col(dcc.Dropdown(
                        id="report-severity", value="medium", clearable=False,
                        options=[{"label": severity(s), "value": s}
                                 for s in ("low", "medium", "high", "critical")])),
                    dbc.Col(dcc.Dropdown(
                        id="report-tlp", value="amber", clearable=False,
                        options=[{"label": f"TLP:{v.value.upper()}", "value": v.value}
                                 for v in Tlp])),
                    dbc.Col(dbc.Input(id="report-first", type="date")),
                ], class_name=field),
                dbc.Textarea(id="report-observables", placeholder=t("report.observables"),
                             className=field, rows=3),
                dbc.Input(id="report-techniques", placeholder=t("report.techniques"),
                          className=field),
                dbc.Input(id="report-vulns", placeholder=t("report.vulns"), className=field),
                dbc.Textarea(id="report-description", placeholder=t("description"),
                             className=field, rows=2),
                dbc.Button(t("report.send"), id="report-send", color="primary"),
                html.Div(id="report-result", role="status", className="mt-2"),
            ]
        ),
        class_name="mb-4",
    )  # fmt: skip


def _words(text: str | None) -> list[str]:
    return [w for w in re.split(r"[\s,]+", text or "") if w]


def send(who: Principal, values: dict[str, Any]) -> Any:
    first = values.get("first") or datetime.now(UTC).date().isoformat()
    body = {
        "org_id": values.get("org") or None,
        "title": (values.get("title") or "").strip(),
        "severity": values.get("severity") or "medium",
        "tlp": values.get("tlp") or "amber",
        "first_activity": f"{first}T00:00:00Z",
        "description": values.get("description") or "",
        "observables": [observable(line) for line in (values.get("observables") or "").splitlines()
                        if line.strip()],
        "techniques": [w.upper() for w in _words(values.get("techniques"))],
        "vulnerabilities": [w.upper() for w in _words(values.get("vulns"))],
    }  # fmt: skip
    try:
        submitted = IncidentForm.model_validate(body)
        incident, _ = IncidentDesk(hub().store).report(who, submitted, f"ui-{uuid.uuid4().hex}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return dbc.Alert(f"{t('refused')}: {problems}", color="danger", id="report-refused")
    except HubError as exc:
        return dbc.Alert(f"{t('refused')}: {exc.message}", color="danger", id="report-refused")
    return dbc.Alert(
        [f"{t('saved')}: ", html.A(incident.title, href=href("incident", id=incident.id),
                                   id="report-saved-link")],
        color="success", id="report-saved",
    )  # fmt: skip


def register(app: Dash) -> None:
    @app.callback(
        Output("report-result", "children"),
        Input("report-send", "n_clicks"),
        State("report-org", "value"),
        State("report-title", "value"),
        State("report-severity", "value"),
        State("report-tlp", "value"),
        State("report-first", "value"),
        State("report-observables", "value"),
        State("report-techniques", "value"),
        State("report-vulns", "value"),
        State("report-description", "value"),
        prevent_initial_call=True,
    )
    def submit(_: int | None, *values: Any) -> Any:
        who = current()
        if who is None or not who.may(Action.REPORT_INCIDENTS):
            return None
        names = ("org", "title", "severity", "tlp", "first", "observables", "techniques",
                 "vulns", "description")  # fmt: skip
        given = {n: v if isinstance(v, str) else None for n, v in zip(names, values, strict=True)}
        return send(who, given)
