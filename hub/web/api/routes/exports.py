"""Signed auditor exports over the API: auditors (and admins) create them and download
their files; creating one records who exported what and changes no data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Response, send_file
from pydantic import Field

from hub.core.auth import Action
from hub.core.errors import NotFound
from hub.core.fields import ClientInput, Reply
from hub.risk.exports import desk
from hub.web.api.endpoint import Call, Router

router = Router("exports")
_NAME = re.compile(r"^[a-z]+\.(csv|json|yaml|html)$")
_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "yaml": "application/yaml",
    "html": "text/html",
}


class ExportIn(ClientInput):
    agency_id: str | None = Field(default=None, description="only this agency; default all")


class ExportOut(Reply):
    id: str
    scope: str
    created_at: str
    policy_version: str
    files: dict[str, str] = Field(description="file name -> SHA-256, as signed")
    public_key: str
    signature: str
    audit_head: dict[str, Any] | None


class ExportList(Reply):
    items: list[ExportOut]


def _folder(call: Call) -> Path:
    return desk.folder(call.hub.settings)


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
    needs=Action.EXPORT,
)
def create_export(call: Call) -> tuple[ExportOut, int]:
    body: ExportIn = call.body
    export_id, manifest = desk.create(
        call.store, call.hub.settings, call.who, body.agency_id, call.request_id
    )
    return _out(export_id, manifest), 201


@router.route(
    "GET", "/exports", summary="Exports made on this hub", response=ExportList, needs=Action.EXPORT
)
def list_exports(call: Call) -> ExportList:
    items = [_out(export_id, m) for export_id, m in desk.made(call.hub.settings, call.who)]
    return ExportList(items=items)


@router.route(
    "GET",
    "/exports/<export_id>/<name>",
    summary="One file of an export (manifest.json included), as signed",
    errors=(404,),
    needs=Action.EXPORT,
)
def export_file(call: Call, export_id: str, name: str) -> Response:
    folder = _folder(call) / export_id
    path = folder / name
    if not re.fullmatch(r"[0-9a-f-]{36}", export_id) or not _NAME.match(name) or not path.is_file():
        raise NotFound(f"no file {name} in export {export_id}")
    return send_file(
        path, mimetype=_TYPES[name.rsplit(".", 1)[1]], as_attachment=True, download_name=name
    )
