"""Open or update the triage item an event belongs to.

A KEV finding belongs to the remediation action scoring already ranks (its package's
upgrade); a sighting, a score, a missing SBOM or a failing feed gets an item of its own,
which the queue lists beside the ranked actions. A playbook never overrides people: it
sets a status only on items still open, and otherwise adds its comment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hub.core.records.events import Event
from hub.core.records.triage import TriageItem, TriageStatus
from hub.core.store import Transaction
from hub.core.store.interface import TRIAGE
from hub.risk.scoring.actions import investigate_action
from hub.risk.triage import collapse
from playbooks.actions.base import Context, Outcome, PlaybookAction
from playbooks.definition import Playbook, Step, render

_DEFAULT_TITLES = {
    "sighting": "investigate ${indicator_name} (${indicator_id}), seen on agency hosts",
    "score": "review ${subject}: ${points} risk points, grade ${grade}",
    "sbom_missing": "get a current SBOM for ${system_name} (none for ${days} days)",
    "feed_failed": "repair ${direction} feed ${url}: ${error}",
}


def item_key(event: Event) -> str:
    f = event.fields
    if event.trigger == "kev_finding":
        return str(f["action_key"])
    if event.trigger == "sighting":
        return investigate_action(str(f["indicator_id"]))  # the row scoring gives points
    if event.trigger == "sbom_missing":
        return f"sbom {f['system_id']}"
    if event.trigger == "feed_failed":
        return f"feed {f['feed_id']}"
    return f"review {event.subject}"


class TriageAction(PlaybookAction):
    kind = "triage"

    def perform(self, ctx: Context, book: Playbook, step: Step, event: Event, key: str) -> Outcome:
        item_key_ = item_key(event)
        found = ctx.store.fetch(TRIAGE, TriageItem.key_id(item_key_))
        item = found or TriageItem(
            TriageItem.key_id(item_key_), item_key_, "open", "", (), {}, ctx.now, ctx.now
        )
        changed = item
        wanted = step.spec.get("status")
        if wanted and item.status == TriageStatus.OPEN.value:
            changed = replace(changed, status=wanted)
        if step.spec.get("owner") and not item.owner:
            changed = replace(changed, owner=render(step.spec["owner"], book, event))
        text = render(step.spec.get("comment", "opened by playbook ${playbook}"), book, event)
        note = {"at": ctx.now.isoformat(), "by": f"playbook:{book.name}", "text": text,
                "event": event.id}  # fmt: skip
        comments = collapse([*changed.comments, note])  # a repeated remark counts up
        changed = replace(changed, comments=tuple(comments), updated_at=ctx.now)
        if event.trigger != "kev_finding":
            origin: dict[str, Any] = dict(item.origin)
            title = step.spec.get("title") or _DEFAULT_TITLES.get(event.trigger, "${subject}")
            orgs = sorted({*origin.get("org_ids", []), *([event.org_id] if event.org_id else [])})
            asset = event.fields.get("asset_id")
            assets = sorted({*origin.get("assets", []), *([asset] if asset else [])})
            origin.update(
                playbook=book.name,
                event=event.id,
                kind=event.trigger,
                title=render(title, book, event),
                org_ids=orgs,
                assets=assets,
            )
            changed = replace(changed, origin=origin)

        def write(tx: Transaction) -> None:
            tx.put_triage(changed)

        detail = {"item": changed.id, "key": item_key_, "status": changed.status,
                  "created": found is None}  # fmt: skip
        return Outcome(detail, write)

    def describe(self, step: Step, event: Event) -> str:
        return f"triage item {item_key(event)!r}" + (
            f" -> {step.spec['status']}" if step.spec.get("status") else ""
        )
