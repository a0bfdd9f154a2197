"""What the pages show, read the way the API reads it (the same stores, scopes and score
records), so a number on a page is the number the API gives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.core.auth import Principal
from hub.core.model import FindingStatus, Organization, OrgKind, utcnow
from hub.core.records.scores import ScoreRecord
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, SIGHTINGS, TAXII_FEEDS, In, Query

_OPEN: dict[str, str | bool] = {"status": FindingStatus.OPEN.value}


@dataclass(frozen=True)
class AgencyScore:
    org: Organization
    score: ScoreRecord | None


def agencies(store: Store, who: Principal) -> list[Organization]:
    own = [who.org_id or ""] if who.scoped else None
    found = store.list_organizations(kind=OrgKind.AGENCY, ids=own, limit=10_000)
    return sorted(found, key=lambda o: o.name)


def agency_scores(store: Store, who: Principal, now: datetime | None = None) -> list[AgencyScore]:
    """Every visible agency with its latest score, highest risk first: by the risk index
    (per asset, so size alone ranks nobody first), then by points."""
    visible = agencies(store, who)
    scores = store.latest_scores([f"organization:{o.id}" for o in visible], now or utcnow())
    rows = [AgencyScore(o, scores.get(f"organization:{o.id}")) for o in visible]
    return sorted(
        rows,
        key=lambda r: (
            -(r.score.grade if r.score else 0.0),
            -(r.score.points if r.score else 0.0),
            r.org.name,
        ),
    )


def overdue_kev(store: Store, who: Principal, today: str) -> Counter[str]:
    """Open KEV findings past their due date, per agency."""
    open_kev = {**_OPEN, "kev": True}
    query = who.scope(Query(open_kev, older=("kev_due", today)))
    return Counter(store.count_by(FINDINGS, "org_id", query))


# Worst first; an unrated finding sits with the mediums it is scored as, never below lows.
SEVERITY_ORDER = ("critical", "high", "medium", "unknown", "low", "none", "info")


def severity_history(
    store: Store,
    who: Principal,
    today: date,
    days: int = 90,
    within: dict[str, str | bool] | None = None,
) -> tuple[list[date], dict[str, list[int]]]:
    """Open findings per severity on each of the last `days` days, rebuilt from when each
    finding was first seen and fixed (no history is stored apart): a finding counts from
    its first day to the day before it was fixed. Findings a VEX statement suppresses are
    left out, as they are from today's counts; notices ('info') too, as on the page.
    `within` narrows to one agency or system (`{"system_id": ...}`)."""
    start = today - timedelta(days=days - 1)
    changes: dict[str, Counter[date]] = {s: Counter() for s in SEVERITY_ORDER if s != "info"}
    for f in store.iter_query(FINDINGS, who.scope(Query(dict(within or {})))):
        sev = f.severity.value
        if f.status is FindingStatus.SUPPRESSED or sev not in changes:
            continue
        opened = max(f.first_seen.date(), start)
        closed = f.fixed_at.date() if f.status is FindingStatus.FIXED and f.fixed_at else None
        if opened > today or (closed is not None and closed <= opened):
            continue
        changes[sev][opened] += 1
        if closed is not None and closed <= today:
            changes[sev][closed] -= 1
    dates = [start + timedelta(days=n) for n in range(days)]
    series: dict[str, list[int]] = {}
    for sev, moved in changes.items():
        running, counts = 0, []
        for day in dates:
            running += moved[day]
            counts.append(running)
        series[sev] = counts
    return dates, series


def severity_counts(store: Store, who: Principal) -> dict[str, int]:
    """Open findings in visible agencies per severity, every severity shown (zeros too):
    unrated ('unknown') and notices ('info') are counted, never left out."""
    counted = store.count_by(FINDINGS, "severity", who.scope(Query(_OPEN)))
    return {s: int(counted.get(s, 0)) for s in SEVERITY_ORDER}


def exposures(
    store: Store,
    who: Principal,
    kev_only: bool,
    *,
    notices: bool = False,
    within: dict[str, str | bool] | None = None,
) -> list[dict[str, Any]]:
    """Open vulnerabilities in visible agencies (or `within` one system), by
    vulnerability, KEV first, then by severity (unrated with the mediums); with `notices`,
    the informational advisories instead, which are not vulnerabilities."""
    rows: dict[str, dict[str, Any]] = {}
    kinds = ("info",) if notices else tuple(s for s in SEVERITY_ORDER if s != "info")
    where = (In("severity", kinds), *((In("kev", (True,)),) if kev_only else ()))
    for f in store.iter_query(FINDINGS, who.scope(Query({**_OPEN, **(within or {})}, where=where))):
        row = rows.setdefault(
            f.vuln_id,
            {
                "vuln": f.vuln_id,
                "severity": f.severity.value,
                "kev": f.kev,
                "due": f.kev_due or "",
                "orgs": set(),
                "hosts": set(),
                "package": f.purl.split("@")[0],
            },
        )
        row["orgs"].add(f.org_id)
        row["hosts"].add(f.asset_id or f"system:{f.system_id}")
        row["kev"] = row["kev"] or f.kev
    return sorted(
        rows.values(),
        key=lambda r: (
            not r["kev"],
            r["due"] or "9",
            SEVERITY_ORDER.index(r["severity"]) if r["severity"] in SEVERITY_ORDER else 9,
            -len(r["hosts"]),
            r["vuln"],
        ),
    )


def open_on(store: Store, who: Principal, vuln_ids: list[str]) -> dict[str, set[str]]:
    """For each of these vulnerabilities open in visible agencies, the hosts it is open on
    (a whole-system finding counts as its system)."""
    if not vuln_ids:
        return {}
    hosts: dict[str, set[str]] = {}
    query = Query(_OPEN, where=(In("vuln_id", tuple(vuln_ids)),))
    for f in store.iter_query(FINDINGS, who.scope(query)):
        hosts.setdefault(f.vuln_id, set()).add(f.asset_id or f"system:{f.system_id}")
    return hosts


def active_sightings(store: Store, who: Principal) -> list[Any]:
    return list(store.iter_query(SIGHTINGS, who.scope(Query({"active": True}))))


def shown_location(location: str, home: Path) -> str:
    """A feed's location as a reader needs it: a file inside the hub's own directory by
    its path there (the demo's feeds), anything else whole."""
    if "://" in location:
        return location
    try:
        return str(Path(location).resolve().relative_to(home.resolve()))
    except ValueError:
        return location


def partner_feeds(store: Store) -> list[Any]:
    return list(store.iter_all(TAXII_FEEDS))
