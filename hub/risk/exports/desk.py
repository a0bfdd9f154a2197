"""Making an auditor export on behalf of someone: the one place the API and the
dashboards both go through, so an export is the same whichever way it was asked for."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from hub.core.auth import Action, Principal
from hub.core.errors import NotFound
from hub.core.model import AuditDraft, derive_id, utcnow
from hub.core.settings import Settings
from hub.core.store import Store
from hub.risk.exports import auditor
from hub.risk.scoring.policy import load_policy


def folder(settings: Settings) -> Path:
    return settings.home / "exports"


def create(
    store: Store, settings: Settings, who: Principal, agency_id: str | None, request_id: str
) -> tuple[str, dict[str, Any]]:
    """(export id, manifest) of a new signed export of the scores, inputs and evidence."""
    who.require(Action.EXPORT)
    if agency_id is not None and store.get_organization(agency_id) is None:
        raise NotFound(f"no agency {agency_id}")
    now = utcnow()
    export_id = derive_id("export", agency_id or "nation", now.isoformat(), request_id)

    def draft(detail: dict[str, Any]) -> AuditDraft:
        return AuditDraft(who.actor, "export.create", export_id, request_id, detail, now)

    manifest = auditor.create(
        store,
        settings.home,
        folder(settings) / export_id,
        agency_id,
        now,
        draft,
        policy=load_policy(settings.scoring_policy),
        stale_after_days=settings.stale_after_days,
    )
    return export_id, manifest


def made(settings: Settings, who: Principal) -> list[tuple[str, dict[str, Any]]]:
    """Exports on this hub, newest first."""
    who.require(Action.EXPORT)
    found = []
    for path in folder(settings).glob(f"*/{auditor.MANIFEST}"):
        found.append((path.parent.name, json.loads(path.read_text(encoding="utf-8"))))
    return sorted(found, key=lambda e: str(e[1]["created_at"]), reverse=True)


def located(settings: Settings, export_id: str) -> Path:
    """The folder of one export of this hub, never a path outside the exports folder."""
    if not export_id or "/" in export_id or "\\" in export_id or export_id.startswith("."):
        raise NotFound(f"no export {export_id}")
    where = folder(settings) / export_id
    if not where.is_dir():
        raise NotFound(f"no export {export_id}")
    return where


def zipped(settings: Settings, who: Principal, export_id: str) -> bytes:
    """One export as a ZIP, as `crsa export verify` reads it once unpacked."""
    who.require(Action.EXPORT)
    where = located(settings, export_id)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(where.iterdir()):
            z.write(path, f"{export_id}/{path.name}")
    return out.getvalue()
