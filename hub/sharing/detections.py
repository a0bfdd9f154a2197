"""Indicators from what agencies detect: an address, domain, URL or file hash that an
agency's own tools flagged (collectors report them as `detections`) becomes a STIX
indicator the hub shares, with a sighting saying how many hosts in how many agencies
detected it, first and last.

The same observable detected by several agencies is one indicator (its id derives from the
observable), so partners see one object whose sighting count grows. Under the default
sharing policy nothing names an agency: not the sighting (the hub is its witness) and not
the rule names, which often carry an agency's or a product's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stix2

from hub.core.store import Store
from hub.core.store.interface import TELEMETRY
from hub.sharing.desk import iso
from hub.sharing.identities import ANONYMOUS, SharingPolicy, stix_id
from hub.sharing.markings import MARKING_IDS, Tlp


@dataclass
class Detected:
    kind: str
    value: str
    first: datetime
    last: datetime
    agencies: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)

    @property
    def pattern(self) -> str:
        quoted = self.value.replace("\\", "\\\\").replace("'", "\\'")
        if self.kind == "file":
            return f"[file:hashes.'SHA-256' = '{quoted}']"
        return f"[{self.kind}:value = '{quoted}']"


def detection_id(kind: str, value: str) -> str:
    """The indicator id of a detected observable: the same in every publication run."""
    return stix_id("indicator", "detection", kind, value)


def detected(store: Store) -> dict[tuple[str, str], Detected]:
    """Every observable in the hosts' latest detections, with who detected it and when."""
    found: dict[tuple[str, str], Detected] = {}
    for t in store.iter_all(TELEMETRY):
        for d in t.data.get("detections", []):
            when = datetime.fromisoformat(d["detected_at"])
            item = found.setdefault(
                (d["kind"], d["value"]), Detected(d["kind"], d["value"], when, when)
            )
            item.first, item.last = min(item.first, when), max(item.last, when)
            item.agencies.add(t.org_id)
            item.hosts.add(t.id)
            if d.get("rule"):
                item.rules.add(d["rule"])
    return found


def shared(
    store: Store, creator: str, tlp: Tlp, policy: SharingPolicy = ANONYMOUS
) -> list[dict[str, Any]]:
    """An indicator and its sighting per detected observable, marked `tlp`."""
    out: list[dict[str, Any]] = []
    marking = [MARKING_IDS[tlp]]
    for (kind, value), d in sorted(detected(store).items()):
        if tlp is Tlp.RED:
            break
        counted = f"Detected on {len(d.hosts)} hosts in {len(d.agencies)} agencies"
        rules = f" by {', '.join(sorted(d.rules))}" if policy.name_agencies and d.rules else ""
        indicator = stix2.v21.Indicator(
            id=detection_id(kind, value),
            created=iso(d.first),
            modified=iso(d.first),
            name=f"{kind} detected in government agencies",
            description=f"{counted}{rules}.",
            indicator_types=["malicious-activity"],
            pattern=d.pattern,
            pattern_type="stix",
            pattern_version="2.1",
            valid_from=iso(d.first),
            created_by_ref=creator,
            object_marking_refs=marking,
        )
        where, named = policy.witnesses(store, creator, d.agencies)
        sighting = stix2.v21.Sighting(
            id=stix_id("sighting", "detection", kind, value),
            created=iso(d.first),
            modified=iso(d.last),
            sighting_of_ref=indicator.id,
            count=len(d.hosts),
            first_seen=iso(d.first),
            last_seen=iso(d.last),
            where_sighted_refs=where,
            created_by_ref=creator,
            description=f"{counted}.",
            object_marking_refs=marking,
        )
        out.extend(named)
        out.extend(dict(json.loads(o.serialize())) for o in (indicator, sighting))
    return out
