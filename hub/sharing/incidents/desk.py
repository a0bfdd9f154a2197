"""The incident desk: agencies report incidents, analysts move them through their states,
and everyone reads them in their scope (an agency its own, the operator's roles all).

A report is idempotent: the same submission again answers with the incident as it is and
writes nothing. A STIX incident keeps its STIX id, so a later version of it (a newer
`modified`) updates the incident it reported; a form's incident is named by its content.
Every change is in the audit trail, with who made it and why."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from hub.core.auth import Action, Principal
from hub.core.errors import Conflict, InvalidSubmission, NotFound
from hub.core.model import AuditDraft, OrgKind, utcnow_micro
from hub.core.records.incidents import MOVES, Incident, IncidentState
from hub.core.records.sharing import TaxiiStatus
from hub.core.store import Store
from hub.core.store.interface import ASSETS, INCIDENTS, TAXII_COLLECTIONS, Query
from hub.sharing.incidents import correlation, sanitise
from hub.sharing.incidents.reading import Report, from_bundle, from_form
from hub.sharing.incidents.schema import BundleIn, IncidentForm
from hub.sharing.outbound import keep_changed


def _moment(at: datetime, actor: str, event: str, detail: dict[str, str]) -> dict[str, Any]:
    return {"at": at.isoformat(), "actor": actor, "event": event, "detail": detail}


def digest(submission: IncidentForm | BundleIn) -> str:
    text = json.dumps(submission.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class IncidentDesk:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow_micro) -> None:
        self.store = store
        self.clock = clock

    # Reporting -------------------------------------------------------------------
    def report(
        self,
        who: Principal,
        submission: IncidentForm | BundleIn,
        request_id: str,
        *,
        org_id: str | None = None,
        severity: str = "medium",
        systems: Sequence[str] = (),
    ) -> tuple[Incident, bool]:
        """Store a reported incident; (the incident, whether anything was written)."""
        who.require(Action.REPORT_INCIDENTS)
        if isinstance(submission, IncidentForm):
            org_id = submission.org_id or org_id
            severity = submission.severity
        owner = self._reporting_org(who, org_id)
        return self.keep(owner, submission, who.actor, request_id, severity, systems)

    def keep(
        self,
        owner: str,
        submission: IncidentForm | BundleIn,
        actor: str,
        request_id: str,
        severity: str = "medium",
        systems: Sequence[str] = (),
    ) -> tuple[Incident, bool]:
        """`report` once the reporter's rights are settled: by `report` for a caller of the
        API, or by the TAXII layer for an incident a partner or agency posted into a
        collection it may write (`arrivals`)."""
        sha = digest(submission)
        report = (
            from_form(submission, owner, sha)
            if isinstance(submission, IncidentForm)
            else from_bundle(submission)
        )
        named_assets = submission.assets if isinstance(submission, IncidentForm) else []
        named_systems = (
            submission.systems if isinstance(submission, IncidentForm) else list(systems)
        )
        assets, systems = self._affected(owner, report, named_assets, named_systems)
        with self.store.transaction(owner) as tx:
            held = self.store.fetch(INCIDENTS, report.incident_id)
            if held is not None and held.org_id != owner:
                raise Conflict(
                    f"incident {report.incident_id} was reported by another organization",
                    hint="a STIX incident keeps its id: report yours under an id of your own",
                )
            if held is not None and held.digest == sha:
                return held, False
            if held is not None and held.last_activity > report.last_activity:
                raise Conflict(
                    f"incident {report.incident_id} holds a newer version"
                    f" (modified {held.last_activity.isoformat()})",
                    hint="send a version with a later `modified`",
                )
            now = self.clock()
            event = "updated" if held else "reported"
            incident = Incident(
                id=report.incident_id,
                org_id=owner,
                title=report.title or report.incident_id,
                description=report.description,
                state=held.state if held else IncidentState.NEW.value,
                severity=held.severity if held else severity,
                tlp=report.tlp.value,
                first_activity=report.first_activity,
                last_activity=report.last_activity,
                reported_at=held.reported_at if held else now,
                updated_at=now,
                reported_by=held.reported_by if held else actor,
                owner=held.owner if held else "",
                asset_ids=assets,
                system_ids=systems,
                observables=report.observables,
                techniques=report.techniques,
                vulnerabilities=report.vulnerabilities,
                digest=sha,
                objects=report.objects,
                history=(
                    *(held.history if held else ()),
                    _moment(now, actor, event, {"tlp": report.tlp.value}),
                ),
            )
            tx.put_incident(incident)
            # An incident is evidence of compromise on what it affects: those systems,
            # and those its earlier version affected, are rescored.
            touched = {*incident.system_ids, *(held.system_ids if held else ())}
            tx.mark_changed([(owner, s) for s in sorted(touched)], "incident")
            tx.append_audit(
                AuditDraft(
                    actor,
                    "incident.update" if held else "incident.report",
                    incident.id,
                    request_id,
                    {"org_id": owner, "title": incident.title, "tlp": incident.tlp,
                     "observables": len(incident.observables),
                     "techniques": list(incident.techniques),
                     "vulnerabilities": list(incident.vulnerabilities)},
                    now,
                )
            )  # fmt: skip
        return incident, True

    def _reporting_org(self, who: Principal, org_id: str | None) -> str:
        if who.scoped:
            if org_id is not None:
                who.require_org(org_id)
            assert who.org_id is not None
            return who.org_id
        if org_id is None:
            raise InvalidSubmission(
                "name the agency the incident is reported for",
                hint="org_id in the form, or ?org_id= with a STIX bundle",
            )
        if self.store.get_organization(org_id) is None:
            raise NotFound(f"no organization {org_id}")
        return org_id

    def _affected(
        self, org_id: str, report: Report, assets: list[str], systems: list[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The assets and systems named, each checked to be the reporting agency's, and
        those found from the observables: its hosts holding an observed address."""
        found: dict[str, str] = {}
        for n, asset_id in enumerate(assets):
            asset = self.store.get_asset(asset_id)
            if asset is None or asset.org_id != org_id:
                raise InvalidSubmission(f"assets.{n}: the agency has no asset {asset_id}")
            found[asset.id] = asset.system_id
        named_systems = set()
        for n, system_id in enumerate(systems):
            system = self.store.get_system(system_id)
            if system is None or system.org_id != org_id:
                raise InvalidSubmission(f"systems.{n}: the agency has no system {system_id}")
            named_systems.add(system.id)
        addresses = {
            k.split("=", 1)[1] for k in report.observables if k.startswith(("ipv4", "ipv6"))
        }
        if addresses:
            for asset in self.store.iter_all(ASSETS, org_id=org_id):
                if addresses & set(asset.addresses):
                    found[asset.id] = asset.system_id
        return tuple(sorted(found)), tuple(sorted(named_systems | set(found.values())))

    # Reading ---------------------------------------------------------------------
    def get(self, who: Principal, incident_id: str) -> Incident:
        who.require(Action.READ)
        found = self.store.fetch(INCIDENTS, incident_id)
        if found is None or not who.sees_org(found.org_id):
            raise NotFound(f"no incident {incident_id}")
        return found

    def listing(
        self,
        who: Principal,
        *,
        org_id: str | None = None,
        state: IncidentState | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Incident]:
        who.require(Action.READ)
        equals: dict[str, Any] = {}
        scope = who.org_filter(org_id)
        if scope is not None:
            equals["org_id"] = scope
        if state is not None:
            equals["state"] = state.value
        return self.store.select(INCIDENTS, Query(equals=equals, after=after, limit=limit))

    def links(self, incident: Incident) -> list[correlation.Link]:
        return correlation.links(self.store, incident, self.clock())

    # Sharing back ----------------------------------------------------------------
    def share(
        self,
        who: Principal,
        incident_id: str,
        collection_id: str,
        request_id: str,
        *,
        tlp: str | None = None,
        allow: frozenset[str] = frozenset(),
    ) -> tuple[list[dict[str, Any]], TaxiiStatus | None]:
        """Publish the incident, sanitised (`sanitise`), into a TAXII collection as a STIX
        report by the hub; (what was shared, the collection's status, None when the same
        report was there already). Its owner agency, or the operator's roles, may."""
        who.require(Action.REPORT_INCIDENTS)
        incident = self.get(who, incident_id)
        collection = self.store.fetch(TAXII_COLLECTIONS, collection_id)
        if collection is None:
            raise NotFound(f"no collection {collection_id}", hint="crsa taxii collection list")
        operators = self.store.list_organizations(kind=OrgKind.OPERATOR, limit=1)
        agency = self.store.get_organization(incident.org_id)
        if not operators or agency is None:
            raise NotFound("no operator organization to publish as: create one with crsa org add")
        hosts = list(self.store.iter_all(ASSETS, org_id=incident.org_id))
        level = sanitise.shared_tlp(incident, tlp)
        objects = sanitise.report(
            incident,
            operators[0],
            agency,
            level,
            allow,
            [name for a in hosts for name in (a.hostname, a.identifier)],
            [address for a in hosts for address in a.addresses],
        )
        status = keep_changed(
            self.store, collection, objects, operators[0].id, who.actor, request_id
        )
        with self.store.transaction(incident.org_id) as tx:
            if status is not None:  # on its timeline: what went, where, under which TLP
                moment = _moment(self.clock(), who.actor, "shared",
                                 {"collection_id": collection.id, "allow": ",".join(sorted(allow)),
                                  "tlp": level.value})  # fmt: skip
                held = self.get(who, incident_id)
                tx.put_incident(replace(held, history=(*held.history, moment)))
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "incident.share",
                    incident.id,
                    request_id,
                    {"collection_id": collection.id, "allow": sorted(allow),
                     "tlp": level.value,
                     "objects": len(objects), "new": status is not None},
                    self.clock(),
                )
            )  # fmt: skip
        return objects, status

    # Changing --------------------------------------------------------------------
    def change(
        self, who: Principal, incident_id: str, changes: dict[str, Any], request_id: str
    ) -> Incident:
        """A new state (along `MOVES`), owner or severity, recorded with who changed it."""
        who.require(Action.REPORT_INCIDENTS)
        held = self.get(who, incident_id)
        with self.store.transaction(held.org_id) as tx:
            held = self.get(who, incident_id)
            if "state" in changes:
                to = IncidentState(changes["state"])
                if to != held.state and to not in MOVES[IncidentState(held.state)]:
                    raise InvalidSubmission(
                        f"an incident {held.state} cannot become {to.value}",
                        hint=f"from {held.state}: "
                        + ", ".join(sorted(m.value for m in MOVES[IncidentState(held.state)])),
                    )
                changes = {**changes, "state": to.value}
            updated = replace(held, **changes)
            if updated == held:
                return held
            now = self.clock()
            moment = _moment(now, who.actor, "changed", {k: str(v) for k, v in changes.items()})
            updated = replace(updated, updated_at=now, history=(*held.history, moment))
            tx.put_incident(updated)
            tx.mark_changed([(held.org_id, s) for s in held.system_ids], "incident")
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "incident.change",
                    incident_id,
                    request_id,
                    {k: [getattr(held, k), v] for k, v in sorted(changes.items())},
                    now,
                )
            )
        return updated
