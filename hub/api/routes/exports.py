"""Signed auditor exports over the API: auditors (and admins) create them and download
their files; creating one records who exported what and changes no data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Response, send_file
from pydantic import Field

from hub.api.endpoint import Call, Router
from hub.api.schemas import _In, _Out
from hub.auth import Action
from hub.errors import NotFound
from hub.exports import auditor
from hub.model import AuditDraft, derive_id, utcnow
from hub.scoring.policy import load_policy

router = Router("exports")
_NAME = re.compile(r"^[a-z]+\.(csv|json|yaml|html)$")
_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "yaml": "application/yaml",
    "html": "text/html",
}


class ExportIn(_In):
    agency_id: str | None = Field(default=None, description="only this agency; default all")


class ExportOut(_Out):
    id: str
    scope: str
    created_at: str
    policy_version: str
    files: dict[str, str] = Field(description="file name -> SHA-256, as signed")
    public_key: str
    signature: str
    audit_head: dict[str, Any] | None


class ExportList(_Out):
    items: list[ExportOut]


def _folder(call: Call) -> Path:
    return call.hub.settings.home / "exports"


def _out(export_id: str, manifest: dict[str, Any]) -> ExportOut:
    return ExportOut(id=export_id, **{k: manifest[k] for k in ExportOut.model_fields if k != "id"})


@router.route(
    "POST",
    "/exports",
    summary="Create a signed export of the scores, their inputs and evidence",
    body=ExportIn,
    response=ExportOut,
    statuses=(201,),
    errors=(404,),
)
def create_export(call: Call) -> tuple[ExportOut, int]:
    who = call.who
    who.require(Action.EXPORT)
    body: ExportIn = call.body
    if body.agency_id is not None and call.store.get_organization(body.agency_id) is None:
        raise NotFound(f"no agency {body.agency_id}")
    now = utcnow()
    export_id = derive_id("export", body.agency_id or "nation", now.isoformat(), call.request_id)
    settings = call.hub.settings

    def draft(detail: dict[str, Any]) -> AuditDraft:
        return AuditDraft(who.actor, "export.create", export_id, call.request_id, detail, now)

    manifest = auditor.create(
        call.store,
        settings.home,
        _folder(call) / export_id,
        body.agency_id,
        now,
        draft,
        policy=load_policy(settings.scoring_policy),
        stale_after_days=settings.stale_after_days,
    )
    return _out(export_id, manifest), 201


@router.route("GET", "/exports", summary="Exports made on this hub", response=ExportList)
def list_exports(call: Call) -> ExportList:
    call.who.require(Action.EXPORT)
    items = []
    for manifest_path in sorted(_folder(call).glob(f"*/{auditor.MANIFEST}")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        items.append(_out(manifest_path.parent.name, manifest))
    return ExportList(items=sorted(items, key=lambda e: e.created_at, reverse=True))


@router.route(
    "GET",
    "/exports/<export_id>/<name>",
    summary="One file of an export (manifest.json included), as signed",
    errors=(404,),
)
def export_file(call: Call, export_id: str, name: str) -> Response:
    call.who.require(Action.EXPORT)
    folder = _folder(call) / export_id
    path = folder / name
    if not re.fullmatch(r"[0-9a-f-]{36}", export_id) or not _NAME.match(name) or not path.is_file():
        raise NotFound(f"no file {name} in export {export_id}")
    return send_file(
        path, mimetype=_TYPES[name.rsplit(".", 1)[1]], as_attachment=True, download_name=name
    )
