"""Partner indicators against agency telemetry: which hosts saw what partners warn about.

Observations come from each host's latest telemetry: the remote addresses of its
connections (ipv4-addr, ipv6-addr) and the SHA-256 of its running executables (file).
An indicator whose pattern is only equality comparisons on those, joined by OR, compiles
to lookups in an index of observations, so 10,000 indicators cost 10,000 dictionary
probes, not 10,000 x hosts pattern evaluations. Every other pattern (MATCHES, LIKE,
ISSUBSET, AND, FOLLOWEDBY, WITHIN, ...) goes through the OASIS stix2-matcher against each
host's observed-data, so the answers are the matcher's own. Revoked indicators, expired
ones (`valid_until` passed) and non-STIX patterns match nothing.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stix2matcher.matcher import Pattern

from hub.model import derive_id
from hub.sharing.records import Sighting
from hub.store import Store
from hub.store.interface import SIGHTINGS, STIX_OBJECTS, TELEMETRY, Query

_NS = uuid.UUID("3e1c9a52-8f7d-5b0e-a1f4-6d2b7c9e0a11")
_VALUE = r"'((?:[^'\\]|\\.)*)'"
_SIMPLE = re.compile(
    rf"^\s*(ipv4-addr|ipv6-addr):value\s*=\s*{_VALUE}\s*$"
    rf"|^\s*file:hashes\.'SHA-256'\s*=\s*{_VALUE}\s*$"
)
Key = tuple[str, str]  # (object path, value)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def compile_simple(pattern: str) -> list[Key] | None:
    """The (path, value) lookups equivalent to `pattern`, or None when it is not a plain
    OR of equality comparisons on addresses and SHA-256 hashes."""
    text = pattern.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    keys: list[Key] = []
    for observation in re.split(r"\]\s+OR\s+\[", text[1:-1]):
        for comparison in re.split(r"\s+OR\s+", observation):
            m = _SIMPLE.match(comparison)
            if m is None:
                return None
            if m.group(1):
                keys.append((f"{m.group(1)}:value", _unescape(m.group(2))))
            else:
                keys.append(("file:hashes.'SHA-256'", _unescape(m.group(3))))
    return keys


@dataclass(frozen=True)
class Host:
    """One host's observations, as lookups and as the matcher's observed-data bundle."""

    asset_id: str
    org_id: str
    system_id: str
    observed_at: datetime
    keys: frozenset[Key]

    def bundle(self) -> list[dict[str, Any]]:
        scos: list[dict[str, Any]] = []
        for path, value in sorted(self.keys):
            sco_type = path.split(":", 1)[0]
            sco_id = f"{sco_type}--{uuid.uuid5(_NS, path + value)}"
            if sco_type == "file":
                scos.append({"type": "file", "id": sco_id, "hashes": {"SHA-256": value}})
            else:
                scos.append({"type": sco_type, "id": sco_id, "value": value})
        stamp = self.observed_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        observed = {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": f"observed-data--{uuid.uuid5(_NS, self.asset_id)}",
            "created": stamp,
            "modified": stamp,
            "first_observed": stamp,
            "last_observed": stamp,
            "number_observed": 1,
            "object_refs": [s["id"] for s in scos],
        }
        bundle_id = f"bundle--{uuid.uuid5(_NS, 'bundle' + self.asset_id)}"
        return [{"type": "bundle", "id": bundle_id, "objects": [observed, *scos]}]


def hosts(store: Store) -> Iterator[Host]:
    for t in store.iter_all(TELEMETRY):
        keys: set[Key] = set()
        for c in t.data.get("connections", []):
            address = c.get("remote_address", "")
            if address:
                keys.add(("ipv6-addr:value" if ":" in address else "ipv4-addr:value", address))
        for p in t.data.get("processes", []):
            if p.get("sha256"):
                keys.add(("file:hashes.'SHA-256'", p["sha256"]))
        yield Host(t.id, t.org_id, t.system_id, t.collected_at, frozenset(keys))


def live_indicators(store: Store, now: datetime) -> dict[str, str]:
    """id -> pattern of every indicator's latest version in any collection that is STIX,
    not revoked, and valid now."""
    found: dict[str, str] = {}
    query = Query(equals={"type": "indicator", "last": True, "deleted": False}, limit=10_000)
    after: str | tuple[str, str] | None = None
    while True:
        page = store.select(STIX_OBJECTS, Query(**{**query.__dict__, "after": after}))
        for row in page:
            obj = row.object
            until = obj.get("valid_until")
            if obj.get("revoked") or obj.get("pattern_type", "stix") != "stix":
                continue
            if until and datetime.fromisoformat(until.replace("Z", "+00:00")) <= now:
                continue
            found[row.object_id] = obj["pattern"]
        if len(page) < query.limit:
            return found
        after = page[-1].id


def match(indicators: dict[str, str], observed: Iterable[Host]) -> dict[str, set[str]]:
    """indicator id -> the asset ids that saw it."""
    all_hosts = list(observed)
    index: dict[Key, set[str]] = defaultdict(set)
    for h in all_hosts:
        for key in h.keys:
            index[key].add(h.asset_id)
    hits: dict[str, set[str]] = {}
    bundles: dict[str, list[dict[str, Any]]] = {}
    for indicator_id, pattern in indicators.items():
        keys = compile_simple(pattern)
        if keys is not None:
            seen = set().union(*(index.get(k, set()) for k in keys))
        else:
            compiled = Pattern(pattern, stix_version="2.1")
            seen = set()
            for h in all_hosts:
                bundle = bundles.get(h.asset_id) or bundles.setdefault(h.asset_id, h.bundle())
                if compiled.match(bundle):
                    seen.add(h.asset_id)
        if seen:
            hits[indicator_id] = seen
    return hits


@dataclass(frozen=True)
class MatchRun:
    indicators: int
    hosts: int
    sightings: int
    new: int
    ended: int


def record(store: Store, now: datetime) -> MatchRun:
    """Match every live indicator against every host and keep the sightings: new ones
    start, repeated ones move `last_seen`, ones no longer seen (indicator revoked or
    expired, observation gone) end. Sightings mark their systems for rescoring."""
    indicators = live_indicators(store, now)
    observed = list(hosts(store))
    where = {h.asset_id: h for h in observed}
    hits = match(indicators, observed)
    before = {s.id: s for s in store.iter_all(SIGHTINGS, active=True)}
    rows: list[Sighting] = []
    new = 0
    for indicator_id, assets in hits.items():
        for asset_id in assets:
            sid = derive_id("sighting", indicator_id, asset_id)
            old = before.pop(sid, None) or store.fetch(SIGHTINGS, sid)
            h = where[asset_id]
            if old is None or not old.active:
                new += 1
            first = old.first_seen if old is not None and old.active else now
            rows.append(
                Sighting(sid, indicator_id, h.org_id, h.system_id, asset_id, first, now, True)
            )
    ended = [
        Sighting(s.id, s.indicator_id, s.org_id, s.system_id, s.asset_id, s.first_seen,
                 s.last_seen, False)
        for s in before.values()
    ]  # fmt: skip
    changed = {(r.org_id, r.system_id) for r in rows if r.first_seen == now}
    changed |= {(r.org_id, r.system_id) for r in ended}
    with store.transaction() as tx:
        tx.put_sightings(rows + ended)
        tx.mark_changed(changed, "sighting")
    return MatchRun(len(indicators), len(observed), len(rows), new, len(ended))
