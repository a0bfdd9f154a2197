"""What an incident meets in the hub, and why: partner indicators whose patterns match its
observables (the IOC matcher that sights them on hosts), sightings of those indicators on
agencies' hosts, the vulnerabilities it names that are open elsewhere (and whether they
are known exploited), and the other incidents sharing an observable or a technique.

Links are computed when they are read, from the store as it is then: an indicator a
partner publishes after the incident was reported links to it on the next read, with no
re-correlation run to forget. Clusters are the incidents joined by shared observables
("the same campaign in three ministries"); a shared technique alone links two incidents
but does not make them one campaign: thousands of unrelated intrusions use phishing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.model import FindingStatus
from hub.core.records.incidents import Incident
from hub.core.store import Store
from hub.core.store.interface import INCIDENTS, SIGHTINGS, AnyOf, In, Query
from hub.sharing import ioc
from hub.sharing.incidents.reading import sco
from hub.sharing.observations import Host

MAX_RELATED = 1000


@dataclass(frozen=True)
class Link:
    kind: str  # indicator, sighting, vulnerability, incident
    target: str  # its id (a vulnerability's own id)
    reason: str
    org_id: str = ""  # whose, where it belongs to an organization
    detail: dict[str, Any] = field(default_factory=dict, hash=False)


def as_observations(incident: Incident) -> Host:
    """The incident's observables as the IOC matcher reads a host's."""
    return Host(
        incident.id,
        incident.org_id,
        "",
        incident.last_activity,
        tuple(sco(k) for k in incident.observables),
    )


def indicator_links(
    store: Store, incidents: Sequence[Incident], now: datetime
) -> dict[str, list[Link]]:
    """incident id -> the live indicators matching its observables, over one read of the
    indicators for any number of incidents."""
    with_observables = [i for i in incidents if i.observables]
    if not with_observables:
        return {}
    live = ioc.live_indicators(store, now)
    found: dict[str, list[Link]] = defaultdict(list)
    for indicator_id, seen_by in ioc.match(live, map(as_observations, with_observables)).items():
        for incident_id in sorted(seen_by):
            found[incident_id].append(
                Link("indicator", indicator_id, f"its pattern {live[indicator_id]} matches")
            )
    return found


def links(store: Store, incident: Incident, now: datetime) -> list[Link]:
    out = indicator_links(store, [incident], now).get(incident.id, [])
    out += sighting_links(store, [link.target for link in out])
    out += vulnerability_links(store, incident)
    out += incident_links(store, incident)
    return out


def sighting_links(store: Store, indicator_ids: Sequence[str]) -> list[Link]:
    if not indicator_ids:
        return []
    query = Query(where=(In("indicator_id", tuple(indicator_ids)),), limit=MAX_RELATED)
    return [
        Link(
            "sighting",
            s.id,
            f"a host sighted indicator {s.indicator_id}, which matches this incident",
            s.org_id,
            {
                "asset_id": s.asset_id,
                "system_id": s.system_id,
                "active": s.active,
                "indicator_id": s.indicator_id,
            },
        )
        for s in store.select(SIGHTINGS, query)
    ]


def vulnerability_links(store: Store, incident: Incident) -> list[Link]:
    out = []
    for vuln_id in incident.vulnerabilities:
        open_ = store.list_findings(vuln_id=vuln_id, status=FindingStatus.OPEN, limit=MAX_RELATED)
        elsewhere = [f for f in open_ if f.org_id != incident.org_id]
        if not elsewhere:
            continue
        agencies = sorted({f.org_id for f in elsewhere})
        kev = any(f.kev for f in elsewhere)
        out.append(
            Link(
                "vulnerability",
                vuln_id,
                f"open on {len({f.asset_id or f.system_id for f in elsewhere})} assets of"
                f" {len(agencies)} other agencies" + ("; known exploited (KEV)" if kev else ""),
                detail={"agencies": agencies, "kev": kev, "findings": len(elsewhere)},
            )
        )
    return out


def _sharing(incident: Incident, limit: int = MAX_RELATED) -> Query:
    groups = []
    if incident.observables:
        groups.append((In("observables", incident.observables),))
    if incident.techniques:
        groups.append((In("techniques", incident.techniques),))
    return Query(where=(AnyOf(tuple(groups)),), limit=limit)


def incident_links(store: Store, incident: Incident) -> list[Link]:
    if not (incident.observables or incident.techniques):
        return []
    out = []
    for other in store.select(INCIDENTS, _sharing(incident)):
        if other.id == incident.id:
            continue
        shared = sorted(set(other.observables) & set(incident.observables))
        techniques = sorted(set(other.techniques) & set(incident.techniques))
        reason = "; ".join(
            part
            for part in (
                f"shares observable {', '.join(shared)}" if shared else "",
                f"shares technique {', '.join(techniques)}" if techniques else "",
            )
            if part
        )
        out.append(
            Link("incident", other.id, reason, other.org_id,
                 {"observables": shared, "techniques": techniques, "state": other.state})
        )  # fmt: skip
    return out


def clusters(incidents: Iterable[Incident]) -> list[list[Incident]]:
    """The incidents joined, directly or through others, by a shared observable; largest
    first, each newest activity first. An incident sharing nothing is a cluster of one."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_id = {}
    first_with: dict[str, str] = {}
    for i in incidents:
        by_id[i.id] = i
        parent.setdefault(i.id, i.id)
        for k in i.observables:
            other = first_with.setdefault(k, i.id)
            parent[root(i.id)] = root(other)
    groups: dict[str, list[Incident]] = defaultdict(list)
    for incident_id, incident in by_id.items():
        groups[root(incident_id)].append(incident)
    ordered = [sorted(g, key=lambda i: i.last_activity, reverse=True) for g in groups.values()]
    return sorted(ordered, key=lambda g: (-len(g), -g[0].last_activity.timestamp()))


def cluster_of(store: Store, incident: Incident) -> list[Incident]:
    """The cluster holding `incident`: followed through the store, one shared-observable
    query per incident reached."""
    reached = {incident.id: incident}
    todo = [incident]
    while todo and len(reached) < MAX_RELATED:
        current = todo.pop()
        if not current.observables:
            continue
        query = Query(where=(In("observables", current.observables),), limit=MAX_RELATED)
        for other in store.select(INCIDENTS, query):
            if other.id not in reached:
                reached[other.id] = other
                todo.append(other)
    return clusters(reached.values())[0]
