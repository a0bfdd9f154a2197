"""STIX 2.1 out: what the hub tells partners about the vulnerabilities agencies face.

Built with the `stix2` library (so every object is well formed before the OASIS validator
sees it at the desk), with ids derived from what they describe, so publishing twice gives
the same objects. The sharing policy is built in: counts, never names; no agency, system
or host leaves the hub, only how many are affected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stix2

from hub.core.errors import NotFound
from hub.core.model import FindingStatus, Organization, Severity
from hub.core.records.sharing import Sighting, TaxiiCollection, TaxiiStatus
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, SIGHTINGS, STIX_OBJECTS, TAXII_COLLECTIONS, Query
from hub.sharing import detections
from hub.sharing.desk import SharingDesk, iso
from hub.sharing.identities import ANONYMOUS, SharingPolicy, identity, stix_id
from hub.sharing.markings import MARKING_IDS, ORDER, Tlp


@dataclass
class _Exposure:
    agencies: set[str]
    targets: set[str]
    kev: bool
    kev_due: str | None
    severity: str
    first_seen: datetime
    aliases: set[str]


def _exposures(store: Store) -> dict[str, _Exposure]:
    """Open findings that are exploited (KEV) or critical, by vulnerability."""
    found: dict[str, _Exposure] = {}
    for f in store.iter_all(FINDINGS, status=FindingStatus.OPEN):
        if not (f.kev or f.severity is Severity.CRITICAL):
            continue
        e = found.setdefault(
            f.vuln_id,
            _Exposure(set(), set(), False, None, f.severity.value, f.first_seen, set()),
        )
        e.agencies.add(f.org_id)
        e.targets.add(f.asset_id or f"system:{f.system_id}")
        e.kev = e.kev or f.kev
        e.kev_due = f.kev_due or e.kev_due
        e.first_seen = min(e.first_seen, f.first_seen)
        e.aliases |= set(f.aliases)
    return found


def _references(vuln_id: str, aliases: set[str]) -> list[dict[str, str]]:
    refs = []
    for name in sorted({vuln_id, *aliases}):
        if name.startswith("CVE-"):
            refs.append({"source_name": "cve", "external_id": name})
        else:
            refs.append({"source_name": name.split("-", 1)[0].lower(), "external_id": name})
    return refs


def vulnerabilities(
    store: Store, creator: str, tlp: Tlp, now: datetime, only: set[str] | None = None
) -> list[dict[str, Any]]:
    """A vulnerability object per exploited or critical vulnerability open in agencies
    (or those of `only`), with how many agencies and hosts face it and nothing that names
    them."""
    out = []
    for vuln_id, e in sorted(_exposures(store).items()):
        if only is not None and vuln_id not in only:
            continue
        state = "listed in CISA KEV" + (f" (remediation due {e.kev_due})" if e.kev_due else "")
        description = (
            f"Open in {len(e.agencies)} agencies on {len(e.targets)} hosts or systems;"
            f" severity {e.severity}; {state if e.kev else 'not known to be exploited'}."
        )
        made = stix2.v21.Vulnerability(
            id=stix_id("vulnerability", vuln_id),
            created=iso(e.first_seen),
            modified=iso(max(now, e.first_seen)),
            name=vuln_id,
            description=description,
            external_references=_references(vuln_id, e.aliases),
            created_by_ref=creator,
            object_marking_refs=[MARKING_IDS[tlp]],
            labels=["exploited"] if e.kev else ["critical"],
        )
        out.append(dict(json.loads(made.serialize())))
    return out


def sightings(
    store: Store,
    creator: str,
    tlp: Tlp,
    policy: SharingPolicy = ANONYMOUS,
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """A sighting per partner indicator seen on agency hosts: how many hosts in how many
    agencies, first and last seen, sighted by the hub (agencies named only if the policy
    says so). It is marked at least as strictly as the indicator; a sighting that would be
    RED is not shared."""
    by_indicator: dict[str, list[Sighting]] = {}
    for s in store.iter_all(SIGHTINGS, active=True):
        if only is None or s.indicator_id in only:
            by_indicator.setdefault(s.indicator_id, []).append(s)
    out = []
    for indicator_id, seen in sorted(by_indicator.items()):
        rows = store.select(
            STIX_OBJECTS, Query(equals={"object_id": indicator_id, "last": True}, limit=50)
        )
        levels = [Tlp(r.tlp) for r in rows] or [tlp]
        level = max([tlp, *levels], key=ORDER.index)
        if level is Tlp.RED:
            continue
        hosts = {s.asset_id for s in seen}
        agencies = {s.org_id for s in seen}
        where, named = policy.witnesses(store, creator, agencies)
        made = stix2.v21.Sighting(
            id=stix_id("sighting", indicator_id),
            created=iso(min(s.first_seen for s in seen)),
            modified=iso(max(s.last_seen for s in seen)),
            sighting_of_ref=indicator_id,
            count=len(hosts),
            first_seen=iso(min(s.first_seen for s in seen)),
            last_seen=iso(max(s.last_seen for s in seen)),
            where_sighted_refs=where,
            created_by_ref=creator,
            description=f"Seen on {len(hosts)} hosts in {len(agencies)} agencies.",
            object_marking_refs=[MARKING_IDS[level]],
            allow_custom=False,
        )
        out.extend([*named, dict(json.loads(made.serialize()))])
    return out


def publish(
    store: Store,
    collection_id: str,
    operator: Organization,
    now: datetime,
    request_id: str,
    tlp: Tlp | None = None,
    policy: SharingPolicy = ANONYMOUS,
) -> TaxiiStatus | None:
    """Put the hub's identity, current vulnerability objects, indicators from agency
    detections and sightings in a collection. Only objects whose content changed since
    their last version get a new one; None when nothing changed."""
    collection = store.fetch(TAXII_COLLECTIONS, collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id}")
    level = tlp or Tlp(collection.default_tlp)
    me = identity(operator, operator=True)
    fresh = [
        me,
        *vulnerabilities(store, me["id"], level, now),
        *sightings(store, me["id"], level, policy),
        *detections.shared(store, me["id"], level, policy),
    ]
    return keep_changed(store, collection, fresh, operator.id, "hub:publish", request_id)


def keep_changed(
    store: Store,
    collection: TaxiiCollection,
    objects: list[dict[str, Any]],
    org_id: str,
    actor: str,
    request_id: str,
) -> TaxiiStatus | None:
    """Keep the objects whose content changed since their last version in the collection
    (so sharing the same thing again adds nothing); None when nothing changed."""
    unique = {o["id"]: o for o in objects}  # an agency named twice is one identity
    wanted = [o for o in unique.values() if _changed(store, collection.id, o)]
    if not wanted:
        return None
    return SharingDesk(store).keep(collection, wanted, org_id, actor, request_id)


def _changed(store: Store, collection_id: str, obj: dict[str, Any]) -> bool:
    """Whether `obj` says something its latest stored version does not (times aside)."""
    latest = Query(
        equals={"collection_id": collection_id, "object_id": obj["id"], "last": True,
                "deleted": False},
    )  # fmt: skip
    rows = store.select(STIX_OBJECTS, latest)
    if not rows:
        return True

    def content(o: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in o.items() if k not in ("modified", "created")}

    return content(rows[0].object) != content(obj)
