"""What partners say an indicator is about: the vulnerabilities it leads to through STIX
relationships, directly (`related-to`) or through what it indicates (an indicator
`indicates` malware or a campaign, which `exploits` or `targets` a vulnerability), and
the CVEs it cites itself. An analyst reading a sighting wants to know which open
vulnerability the campaign behind it uses."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hub.core.store import Store
from hub.core.store.interface import STIX_OBJECTS, Query

HOPS = 2  # indicator -> malware/campaign/intrusion-set -> vulnerability


def cve_ids(obj: dict[str, Any]) -> set[str]:
    """The CVE ids an object names in its external references (source 'cve')."""
    return {
        str(ref["external_id"])
        for ref in obj.get("external_references", [])
        if ref.get("source_name") == "cve" and ref.get("external_id")
    }


def _live(store: Store, kind: str) -> list[dict[str, Any]]:
    query = Query(equals={"type": kind, "last": True, "deleted": False})
    return [v.object for v in store.iter_query(STIX_OBJECTS, query)]


def related_vulnerabilities(store: Store, indicator: dict[str, Any]) -> dict[str, str]:
    """vulnerability name (a CVE id where the object gives one) -> how it is related
    ("cited", or the chain of relationship types that reaches it)."""
    found = {cve: "cited" for cve in cve_ids(indicator)}
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rel in _live(store, "relationship"):
        source, target = str(rel.get("source_ref", "")), str(rel.get("target_ref", ""))
        kind = str(rel.get("relationship_type", ""))
        links[source].append((target, kind))
        if kind == "related-to":  # the one relationship that reads both ways
            links[target].append((source, kind))
    reached: dict[str, str] = {}
    frontier = {str(indicator["id"]): ""}
    for _ in range(HOPS):
        step: dict[str, str] = {}
        for ref, how in frontier.items():
            for target, kind in links.get(ref, ()):
                if target not in reached and target not in step:
                    step[target] = f"{how} → {kind}" if how else kind
        reached.update(step)
        frontier = step
    wanted = {ref: how for ref, how in reached.items() if ref.startswith("vulnerability--")}
    if wanted:
        for vuln in _live(store, "vulnerability"):
            chain = wanted.get(str(vuln.get("id")))
            if chain is None:
                continue
            for name in sorted(cve_ids(vuln)) or [str(vuln.get("name", vuln["id"]))]:
                found.setdefault(name, chain)
    return found
