"""Share what an event is about as STIX in a TAXII collection, under a TLP marking.

A sighting shares the hub's sighting of that indicator (hosts and agencies counted,
agencies named only if the sharing policy allows); a KEV finding shares its vulnerability
object; an incident shares itself as a sanitised report (hub.sharing.incidents.sanitise).
The objects are the ones a sharing run publishes, built by the same code and
validated on the way in; sharing the same content again adds no version, so a repeat
after a crash changes nothing.
"""

from __future__ import annotations

from hub.core.auth import Principal
from hub.core.errors import InvalidSubmission
from hub.core.model import OrgKind, Role
from hub.core.records.events import Event
from hub.core.store.interface import INCIDENTS, TAXII_COLLECTIONS
from hub.sharing.identities import SharingPolicy, identity
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.markings import ORDER, Tlp
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
        if event.trigger == "incident":
            return self._incident(ctx, book, step, event, collection.id, tlp)
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

    def _incident(
        self, ctx: Context, book: Playbook, step: Step, event: Event, collection: str, tlp: Tlp
    ) -> Outcome:
        """The incident as a sanitised report (`IncidentDesk.share`), under the step's TLP
        or the incident's own where that is stricter: never less restrictive than what its
        agency marked it. Its agency, hostnames, internal addresses and free text stay
        home unless the step's `allow` lets them go."""
        incident_id = event.fields["incident_id"]
        held = ctx.store.fetch(INCIDENTS, incident_id)
        if held is None or not held.open:  # closed meanwhile: nothing left to warn of
            return Outcome({"collection": collection, "shared": []})
        level = max(tlp, Tlp(held.tlp), key=ORDER.index)
        who = Principal(f"playbook:{book.name}", Role.SOC_ANALYST, None)
        try:
            objects, status = IncidentDesk(ctx.store, clock=lambda: ctx.now).share(
                who, incident_id, collection, ctx.request_id, tlp=level.value,
                allow=frozenset(step.spec.get("allow", ())),
            )  # fmt: skip
        except InvalidSubmission as exc:  # RED or AMBER+STRICT, or nothing shareable
            return Outcome({"collection": collection, "shared": [], "skipped": exc.message})
        shared = [o["id"] for o in objects if o["type"] == "report"]
        return Outcome({"collection": collection, "tlp": level.value, "shared": shared,
                        "status": status.id if status else None})  # fmt: skip

    def describe(self, step: Step, event: Event) -> str:
        where = step.spec.get("collection") or "share_collection"
        return f"share as TLP:{step.spec['tlp'].upper()} in {where}"
