"""Partner indicators against agency telemetry: which hosts saw what partners warn about.

Indicators whose pattern is only equality comparisons on addresses, domains, URLs or
SHA-256 hashes, joined by OR, compile to lookups in an index of observations: 10,000
indicators cost 10,000 dictionary probes. Every other pattern (MATCHES, LIKE, ISSUBSET,
AND, FOLLOWEDBY, WITHIN, ...) is narrowed by `prefilter` to the hosts it could match and
then evaluated by the OASIS stix2-matcher on those hosts only, so the answers are the
matcher's own. Revoked indicators, expired ones (`valid_until` passed) and non-STIX
patterns match nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stix2matcher.matcher import MatcherException, Pattern

from hub.core.model import derive_id
from hub.core.records.sharing import Sighting
from hub.core.store import Store
from hub.core.store.interface import SIGHTINGS, STIX_OBJECTS, Query
from hub.sharing.detections import detection_id
from hub.sharing.observations import Host, hosts
from hub.sharing.prefilter import ObservationIndex

log = logging.getLogger(__name__)
_VALUE = r"'((?:[^'\\]|\\.)*)'"
_SIMPLE = re.compile(
    rf"^\s*(ipv4-addr|ipv6-addr|domain-name|url):value\s*=\s*{_VALUE}\s*$"
    rf"|^\s*file:hashes\.'SHA-256'\s*=\s*{_VALUE}\s*$"
)
Key = tuple[str, str]  # (object path, value)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def compile_simple(pattern: str) -> list[Key] | None:
    """The (path, value) lookups equivalent to `pattern`, or None when it is not a plain
    OR of equality comparisons on addresses, domains, URLs and SHA-256 hashes."""
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
                keys.append(("file:hashes.SHA-256", _unescape(m.group(3))))
    return keys


def from_detection(indicator_id: str, pattern: str) -> bool:
    """Whether this is the indicator the hub publishes for a detection of its pattern's
    one observable (detections.py derives that id from the observable)."""
    keys = compile_simple(pattern)
    if keys is None or len(keys) != 1:
        return False
    path, value = keys[0]
    return indicator_id == detection_id(path.split(":", 1)[0], value)


def live_indicators(
    store: Store, now: datetime, profiles: dict[str, dict[str, Any]] | None = None
) -> dict[str, str]:
    """id -> pattern of every indicator's latest version in any collection that is STIX,
    not revoked, and valid now; `profiles`, when given, is filled with what scoring weighs
    of each (see `profile`).

    The indicators the hub derives from agencies' own detections are left out, wherever
    they sit (its publication, or a partner passing them back): matching them would sight
    each detection again, on the very hosts that reported it, as if a partner had warned
    of it."""
    found: dict[str, str] = {}
    query = Query(equals={"type": "indicator", "last": True, "deleted": False}, limit=10_000)
    after: str | tuple[str, str] | None = None
    while True:
        page = store.select(STIX_OBJECTS, dataclasses.replace(query, after=after))
        for row in page:
            obj = row.object
            until = obj.get("valid_until")
            if obj.get("revoked") or obj.get("pattern_type", "stix") != "stix":
                continue
            if from_detection(row.object_id, obj["pattern"]):
                continue
            if until and datetime.fromisoformat(until.replace("Z", "+00:00")) <= now:
                continue
            found[row.object_id] = obj["pattern"]
            if profiles is not None:
                profiles[row.object_id] = profile(obj, row.tlp, row.owner_org)
        if len(page) < query.limit:
            return found
        after = page[-1].id


def profile(obj: dict[str, Any], tlp: str, source: str) -> dict[str, Any]:
    """What scoring weighs of an indicator (its name, types, kill-chain phases, confidence,
    marking and source), kept on its sightings so a change to any of it rescores them."""
    confidence = obj.get("confidence")
    return {
        "name": str(obj.get("name", "")),
        "types": sorted(str(t) for t in obj.get("indicator_types", [])),
        "phases": sorted(
            {str(p.get("phase_name", "")) for p in obj.get("kill_chain_phases", [])} - {""}
        ),
        "confidence": confidence if isinstance(confidence, int) else None,
        "tlp": tlp,
        "source": source,
    }


def match(indicators: dict[str, str], observed: Iterable[Host]) -> dict[str, set[str]]:
    """indicator id -> the asset ids that saw it."""
    all_hosts = list(observed)
    index = ObservationIndex(all_hosts)
    hits: dict[str, set[str]] = {}
    bundles: dict[tuple[int, frozenset[str] | None], list[dict[str, Any]]] = {}
    for indicator_id, pattern in indicators.items():
        keys = compile_simple(pattern)
        if keys is not None:
            found = frozenset().union(*(index.by_value.get(k, ()) for k in keys))
        else:
            narrowed = index.narrow(pattern)
            found = narrowed.hosts
            if found and not narrowed.exact:
                possible = [(i, all_hosts[i]) for i in found]
                found = _matcher(pattern, possible, narrowed.types, bundles)
        if found:
            hits[indicator_id] = {all_hosts[i].asset_id for i in found}
    return hits


def _matcher(
    pattern: str,
    possible: list[tuple[int, Host]],
    types: frozenset[str] | None,
    bundles: dict[tuple[int, frozenset[str] | None], list[dict[str, Any]]],
) -> frozenset[int]:
    """The hosts stix2-matcher says `pattern` matches. A pattern the matcher refuses
    (bad syntax, or an operation it does not support, such as ISSUBSET on IPv6) matches
    nothing rather than stopping the run for everyone else's indicators."""
    try:
        compiled = Pattern(pattern, stix_version="2.1")
        found = []
        for i, h in possible:
            if (i, types) not in bundles:
                bundles[(i, types)] = h.bundle(types)
            if compiled.match(bundles[(i, types)]):
                found.append(i)
    except (MatcherException, re.error, ValueError, TypeError) as exc:
        log.warning("indicator pattern %r cannot be evaluated: %s", pattern, exc)
        return frozenset()
    return frozenset(found)


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
    expired, observation gone) end. Each sighting carries its indicator's profile and how
    many hosts and agencies see it; a sighting that starts or ends, or whose profile or
    spread changed, marks its system for rescoring."""
    profiles: dict[str, dict[str, Any]] = {}
    indicators = live_indicators(store, now, profiles)
    observed = list(hosts(store))
    where = {h.asset_id: h for h in observed}
    hits = match(indicators, observed)
    before = {s.id: s for s in store.iter_all(SIGHTINGS, active=True)}
    rows: list[Sighting] = []
    changed: set[tuple[str, str]] = set()
    new = 0
    for indicator_id, assets in hits.items():
        spread = {
            "hosts": len(assets),
            "agencies": len({where[a].org_id for a in assets}),
        }
        seen = {**profiles[indicator_id], **spread}
        for asset_id in assets:
            sid = derive_id("sighting", indicator_id, asset_id)
            old = before.pop(sid, None) or store.fetch(SIGHTINGS, sid)
            h = where[asset_id]
            if old is None or not old.active:
                new += 1
            first = old.first_seen if old is not None and old.active else now
            if old is None or not old.active or old.profile != seen:
                changed.add((h.org_id, h.system_id))
            rows.append(
                Sighting(sid, indicator_id, h.org_id, h.system_id, asset_id, first, now, True,
                         seen)
            )  # fmt: skip
    ended = [dataclasses.replace(s, active=False) for s in before.values()]
    changed |= {(r.org_id, r.system_id) for r in ended}
    with store.transaction() as tx:
        tx.put_sightings(rows + ended)
        tx.mark_changed(changed, "sighting")
    return MatchRun(len(indicators), len(observed), len(rows), new, len(ended))
