"""Share what an event is about as STIX in a TAXII collection, under a TLP marking.

A sighting shares the hub's sighting of that indicator (hosts and agencies counted,
agencies named only if the sharing policy allows); a KEV finding shares its vulnerability
object. The objects are the ones a sharing run publishes, built by the same code and
validated on the way in; sharing the same content again adds no version, so a repeat
after a crash changes nothing.
"""

from __future__ import annotations

from hub.core.model import OrgKind
from hub.core.records.events import Event
from hub.core.store.interface import TAXII_COLLECTIONS
from hub.sharing.identities import SharingPolicy, identity
from hub.sharing.markings import Tlp
from hub.sharing.outbound import keep_changed, sightings, vulnerabilities
from playbooks.actions.base import ActionError, Context, Outcome, PlaybookAction
from playbooks.definition import Playbook, Step


class ShareAction(PlaybookAction):
    kind = "share"

    def perform(self, ctx: Context, book: Playbook, step: Step, event: Event, key: str) -> Outcome:
        target = step.spec.get("collection") or ctx.settings.share_collection
        if not target:  # a hub that shares nothing yet: nothing to retry either
            return Outcome({"skipped": "no collection named and share_collection is not set"})
        collection = ctx.store.fetch(TAXII_COLLECTIONS, target)
        if collection is None:
            raise ActionError(f"nothing shared: no collection {target}")
        operators = ctx.store.list_organizations(kind=OrgKind.OPERATOR, limit=1)
        if not operators:
            raise ActionError("nothing shared: no operator organization to share as")
        tlp = Tlp(step.spec["tlp"])
        me = identity(operators[0], operator=True)
        if event.trigger == "sighting":
            policy = SharingPolicy.of(ctx.settings)
            made = sightings(ctx.store, me["id"], tlp, policy, only={event.fields["indicator_id"]})
        else:
            made = vulnerabilities(
                ctx.store, me["id"], tlp, ctx.now, only={event.fields["vuln_id"]}
            )
        if not made:  # the sighting ended, the finding was fixed, or it would be RED
            return Outcome({"collection": collection.id, "shared": []})
        status = keep_changed(
            ctx.store, collection, [me, *made], operators[0].id, f"playbook:{book.name}",
            ctx.request_id,
        )  # fmt: skip
        shared = [o["id"] for o in made if o["type"] != "identity"]
        detail = {"collection": collection.id, "tlp": tlp.value, "shared": shared,
                  "status": status.id if status else None}  # fmt: skip
        if status is not None and status.failure_count:
            raise ActionError(f"the collection refused what was shared: {status.failures}")
        return Outcome(detail)

    def describe(self, step: Step, event: Event) -> str:
        where = step.spec.get("collection") or "share_collection"
        return f"share as TLP:{step.spec['tlp'].upper()} in {where}"
