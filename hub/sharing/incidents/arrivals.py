"""Incidents that arrive over TAXII join the wall as reported ones do: an `incident` an
agency or a partner posts into a collection it may write, with the objects it relates to,
and a partner's `report` (read as the incident it describes). The TAXII layer has checked
the poster's right to write; the objects have passed the validator on their way in.

An incident is taken with the whole envelope when it is the envelope's only incident, else
with what the envelope relates to it (relationships from or to it, the observations and
observables they name); a report with the objects it refers to, from
the envelope or already in the collection. The hub's own reports, shared back to it by a
partner, are not read again: the incident they came from is on the wall already."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from hub.core.errors import HubError
from hub.core.model import OrgKind
from hub.core.records.incidents import Incident
from hub.core.store import Store
from hub.core.store.interface import STIX_OBJECTS, In, Query
from hub.sharing.identities import stix_id
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import BundleIn

log = logging.getLogger(__name__)


def absorb(
    store: Store,
    collection_id: str,
    objects: Sequence[Any],
    owner: str,
    actor: str,
    request_id: str,
) -> list[Incident]:
    """Report every incident and (not the hub's own) report among `objects` for `owner`;
    one that cannot be read is logged and left in the collection, never failing the POST."""
    valid = [o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)]
    by_id = {o["id"]: o for o in valid}
    hub_identities = {
        stix_id("identity", o.id) for o in store.list_organizations(kind=OrgKind.OPERATOR)
    }
    found = []
    alone = sum(o.get("type") == "incident" for o in valid) == 1
    for obj in valid:
        if obj.get("type") == "incident" and alone:  # the envelope is its bundle
            bundle = [obj, *(o for o in valid if o.get("type") not in ("incident", "report"))]
        elif obj.get("type") == "incident":
            bundle = [obj, *_related(obj["id"], valid, by_id)]
        elif obj.get("type") == "report" and obj.get("created_by_ref") not in hub_identities:
            bundle = _from_report(store, collection_id, obj, by_id)
        else:
            continue
        try:
            incident, _ = IncidentDesk(store).keep(
                owner,
                BundleIn(type="bundle", id=f"bundle--{obj['id'].split('--', 1)[1]}",
                         objects=bundle),
                actor,
                request_id,
            )  # fmt: skip
        except HubError as exc:
            log.warning("incident %s from collection %s not taken: %s", obj["id"],
                        collection_id, exc.message)  # fmt: skip
            continue
        found.append(incident)
    return found


def _related(incident_id: str, objects: list[dict[str, Any]],
             by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """The relationships from or to the incident, their other ends, and the observables
    those observations name."""
    out: dict[str, dict[str, Any]] = {}
    for o in objects:
        if o.get("type") != "relationship" or incident_id not in (
            o.get("source_ref"),
            o.get("target_ref"),
        ):
            continue
        out[o["id"]] = o
        other = o["target_ref"] if o.get("source_ref") == incident_id else o.get("source_ref")
        if other in by_id and by_id[other].get("type") != "incident":  # each is its own
            out[other] = by_id[other]
    for o in list(out.values()):
        for ref in o.get("object_refs", []) if o.get("type") == "observed-data" else []:
            if ref in by_id:
                out[ref] = by_id[ref]
    return list(out.values())


def _from_report(store: Store, collection_id: str, report: dict[str, Any],
                 by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """The incident a report describes, with the objects it refers to (from the envelope,
    else the collection's latest versions), and the observables of its observations."""
    refs = [r for r in report.get("object_refs", []) if isinstance(r, str)]
    wanted = [r for r in refs if r not in by_id]
    stored = {}
    if wanted:
        latest = Query(
            equals={"collection_id": collection_id, "last": True, "deleted": False},
            where=(In("object_id", tuple(wanted)),),
            limit=len(wanted),
        )
        stored = {v.object_id: v.object for v in store.select(STIX_OBJECTS, latest)}
    known = {**stored, **by_id}
    referred = [known[r] for r in refs if r in known and known[r].get("type") != "incident"]
    for o in list(referred):
        if o.get("type") == "observed-data":
            referred += [known[r] for r in o.get("object_refs", []) if r in known]
    incident: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": stix_id("incident", report["id"]),
        "created": report["created"],
        "modified": report["modified"],
        "name": report.get("name", report["id"]),
    }
    if report.get("description"):
        incident["description"] = report["description"]
    if report.get("object_marking_refs"):
        incident["object_marking_refs"] = report["object_marking_refs"]
    unique = {o["id"]: o for o in referred}
    return [incident, *unique.values()]
