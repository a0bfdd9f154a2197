"""Tag the asset an event happened on (a sighting's host, a KEV finding's host)."""

from __future__ import annotations

from hub.core.records.events import AssetTags, Event
from hub.core.store import Transaction
from hub.core.store.interface import ASSET_TAGS
from playbooks.actions.base import Context, Outcome, PlaybookAction
from playbooks.definition import Playbook, Step


class TagAction(PlaybookAction):
    kind = "tag"

    def perform(self, ctx: Context, book: Playbook, step: Step, event: Event, key: str) -> Outcome:
        asset_id = str(event.fields.get("asset_id") or "")
        if not asset_id:  # a finding on a whole system (from its SBOM): no host to tag
            return Outcome({"skipped": "the event has no asset"})
        tag = step.spec["tag"]
        found = ctx.store.fetch(ASSET_TAGS, asset_id)
        tags = found.tags if found else ()
        if tag in tags:
            return Outcome({"asset": asset_id, "tag": tag, "added": False})
        updated = AssetTags(asset_id, event.org_id, tuple(sorted({*tags, tag})))

        def write(tx: Transaction) -> None:
            tx.put_asset_tags(updated)

        return Outcome({"asset": asset_id, "tag": tag, "added": True}, write)

    def describe(self, step: Step, event: Event) -> str:
        return f"tag asset {event.fields.get('asset_id') or '(none)'} {step.spec['tag']!r}"
