"""SBOMs: what was submitted and how complete it is (NTIA minimum elements), which
components are vulnerable, what changed between two versions, and an upload form for
agency users (the same intake and validation as the API)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from dashboards import data
from dashboards.i18n import t
from dashboards.view import admitted, current, hub, section, severity, shell, stat, table
from hub.core.auth import Action, Principal
from hub.core.errors import HubError
from hub.core.model import FindingStatus
from hub.core.records.supply import SbomRecord
from hub.core.store.interface import FINDINGS, SBOMS
from hub.intelligence.matching import intel_view
from sbom.desk import SbomDesk

PAGE = "sbom"
MAX_UNJUDGED = 500  # rows of components the matcher could not judge (all through the API)


def _media_type(name: str, data: bytes) -> str:
    """What the file says it is: CycloneDX JSON or XML, or SPDX JSON or tag-value."""
    head = data[:4096].decode("utf-8", "replace")
    if name.endswith(".xml") or head.lstrip().startswith("<"):
        return "application/vnd.cyclonedx+xml"
    if "spdxVersion" in head or "SPDXVersion" in head:
        return "application/spdx+json" if head.lstrip().startswith("{") else "text/spdx"
    return "application/vnd.cyclonedx+json"


def layout(**_: Any) -> html.Div:
    who = current()
    systems = []
    if who is not None and who.may(Action.WRITE_INVENTORY):
        systems = [
            {"label": s.name, "value": s.id}
            for o in data.agencies(hub().store, who)
            for s in hub().store.iter_all_systems(o.id)
        ]
    upload = html.Div(
        section(
            t("upload"),
            dcc.Dropdown(
                id="sbom-upload-system", options=systems, placeholder=t("system"), className="mb-2"
            ),
            dcc.Upload(
                id="sbom-upload",
                children=html.Div(t("upload.drop")),
                className="border border-2 rounded p-4 text-center mb-2",
                style={"borderStyle": "dashed"},
            ),
            html.Div(id="sbom-upload-result", role="status", className="mb-4"),
        ),
        hidden=not systems,
    )  # hidden, not absent: the page's callbacks keep their parts
    body = [html.Div(id="sbom-body"), upload]
    return shell(PAGE, who, body)


def content(who: Principal) -> list[Any]:
    store = hub().store
    orgs = {o.id: o.name for o in data.agencies(store, who)}
    records = [r for r in store.list_sboms() if r.org_id in orgs]
    rows = [
        {
            "id": r.id,
            "subject": r.subject,
            "agency": orgs[r.org_id],
            "format": f"{r.format} {r.spec_version}",
            "components": r.components,
            "quality": round(r.quality),
            "missing": ", ".join(r.missing),
            "submitted": r.submitted_at.isoformat(" ", "minutes"),
            "current": t("yes") if r.current else "",
        }
        for r in reversed(records)
    ]
    subjects = {r.subject for r in records}
    vulnerable = [
        {
            "vuln": f.vuln_id,
            "package": f.purl,
            "severity": severity(f.severity.value),
            "kev": f.kev,
            "agency": orgs.get(f.org_id, f.org_id),
        }
        for f in store.iter_all(FINDINGS, status=FindingStatus.OPEN, asset_id="")
        if f.org_id in orgs
    ]
    desk, view = SbomDesk(store, hub().settings), intel_view(store)
    unjudged = [
        {"subject": r.subject, "component": k.purl, "reason": k.reason}
        for r in records
        if r.current
        for k in desk.unmatched(who, r.id, view)
    ][:MAX_UNJUDGED]
    mean = sum(r.quality for r in records) / len(records) if records else 0.0
    choices = [
        {"label": f"{r.subject} · {r.submitted_at:%Y-%m-%d %H:%M} · {r.id[:8]}", "value": r.id}
        for r in records
    ]
    older, newer = default_pair(records)
    return [
        dbc.Row(
            [
                stat("sbom-count", t("submissions"), str(len(records))),
                stat("sbom-subjects", t("subject"), str(len(subjects))),
                stat("sbom-quality", t("quality"), f"{mean:.0f}"),
                stat("sbom-vulnerable", t("vulnerable"), str(len(vulnerable))),
            ]
        ),
        section(
            t("submissions"),
            table(
                "sbom-table",
                rows,
                [
                    ("subject", t("subject")),
                    ("agency", t("agency")),
                    ("format", t("format")),
                    ("components", t("components")),
                    ("quality", t("quality")),
                    ("missing", t("ntia.missing")),
                    ("submitted", t("submitted")),
                    ("current", t("current")),
                ],
            ),
        ),
        section(
            t("vulnerable"),
            table(
                "sbom-vulnerable-table",
                vulnerable,
                [
                    ("vuln", t("vulnerability")),
                    ("package", t("package")),
                    ("severity", t("severity")),
                    ("kev", "KEV"),
                    ("agency", t("agency")),
                ],
            ),
        ),
        section(
            t("unjudged"),
            html.P(t("unjudged.help"), className="text-muted small"),
            table(
                "sbom-unjudged-table",
                unjudged,
                [("subject", t("subject")), ("component", t("package")), ("reason", t("reason"))],
            ),
        ),
        section(
            t("diff"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(t("diff.older"), htmlFor="sbom-diff-old"),
                            dcc.Dropdown(id="sbom-diff-old", options=choices, value=older),
                        ]
                    ),
                    dbc.Col(
                        [
                            html.Label(t("diff.newer"), htmlFor="sbom-diff-new"),
                            dcc.Dropdown(id="sbom-diff-new", options=choices, value=newer),
                        ]
                    ),
                ],
                className="mb-2",
            ),
            html.Div(id="sbom-diff"),
        ),
    ]


def _age(r: SbomRecord) -> tuple[bool, datetime, int, str]:
    """Older first: the current version of a subject is its newest whatever the clock said
    (two submissions can share a second), then time, then the document's own version."""
    return (r.current, r.submitted_at, r.doc_version, r.id)


def default_pair(records: list[SbomRecord]) -> tuple[str | None, str | None]:
    """The last two versions of the subject changed most recently: a diff of two
    different systems' SBOMs is something one asks for, not what the page opens with."""
    by_subject: dict[str, list[SbomRecord]] = {}
    for r in sorted(records, key=_age):
        by_subject.setdefault(r.subject, []).append(r)
    versions = max(
        (v for v in by_subject.values() if len(v) > 1), key=lambda v: _age(v[-1]), default=None
    )
    return (versions[-2].id, versions[-1].id) if versions else (None, None)


def diff(who: Principal, old: str, new: str) -> Any:
    """Older to newer, whichever way round they were picked ("2.14.1 → 2.17.1", never the
    reverse); two different subjects are compared when asked, and said to be."""
    store = hub().store
    first, second = store.fetch(SBOMS, old), store.fetch(SBOMS, new)
    swapped = first is not None and second is not None and _age(second) < _age(first)
    if swapped:
        first, second, old, new = second, first, new, old
    try:
        d = SbomDesk(store, hub().settings).diff(who, old, new)
    except HubError as exc:
        return dbc.Alert(exc.message, color="warning")
    note = (
        dbc.Alert(
            f"{t('diff.subjects')}: {first.subject} → {second.subject}",
            color="info",
            id="sbom-diff-subjects",
        )
        if first is not None and second is not None and first.subject != second.subject
        else None
    )
    rows = (
        [{"change": t("added"), "component": p.purl} for p in d.added]
        + [{"change": t("removed"), "component": p.purl} for p in d.removed]
        + [
            {"change": t("changed"), "component": f"{c.old.purl} → {c.new.version}"}
            for c in d.changed
        ]
    )
    return [
        note,
        table("sbom-diff-table", rows, [("change", t("changed")), ("component", t("components"))]),
    ]


def register(app: Dash) -> None:
    @app.callback(
        Output("sbom-body", "children"),
        Input("sbom-tick", "n_intervals"),
        Input("sbom-upload-result", "children"),
    )
    def refresh(_: int | None, __: Any) -> Any:
        who = admitted(PAGE)
        return content(who) if who is not None else None

    @app.callback(
        Output("sbom-diff", "children"),
        Input("sbom-diff-old", "value"),
        Input("sbom-diff-new", "value"),
    )
    def compare(old: str | None, new: str | None) -> Any:
        who = current()
        if who is None or not old or not new or old == new:
            return None
        return diff(who, old, new)

    @app.callback(
        Output("sbom-upload-result", "children"),
        Input("sbom-upload", "contents"),
        State("sbom-upload", "filename"),
        State("sbom-upload-system", "value"),
        prevent_initial_call=True,
    )
    def upload(contents: str | None, name: str | None, system_id: str | None) -> Any:
        who = current()
        if who is None or not contents:
            return None
        if not system_id:
            return dbc.Alert(t("system"), color="warning")
        try:
            raw = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            return dbc.Alert(
                f"{t('refused')}: {t('not.upload')}", color="danger", id="sbom-refused"
            )
        try:
            done = SbomDesk(hub().store, hub().settings).submit_for_system(
                who, system_id, raw, _media_type(name or "", raw), f"ui-{uuid.uuid4().hex}"
            )
        except HubError as exc:
            return dbc.Alert(f"{t('refused')}: {exc.message}", color="danger", id="sbom-refused")
        r = done.record
        parsed = done.parsed.extracted.skipped if done.parsed is not None else []
        skipped = [f"{u.name or '?'} {u.version}: {u.reason}" for u in parsed]
        skipped += [f"{k.purl}: {k.reason}" for k in done.unmatched]
        return dbc.Alert(
            [
                f"{t('saved')}: {r.components} {t('components')}, {t('quality')} {r.quality:.0f}",
                html.Ul([html.Li(s) for s in skipped[:50]], id="sbom-saved-skipped")
                if skipped
                else None,
            ],
            color="success" if not skipped else "warning",
            id="sbom-saved",
        )
