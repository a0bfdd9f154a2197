"""Remediation actions: what one change on the ground would remove from the scores.

Findings group by the step that closes them, not by vulnerability: every finding in
one package closes with one upgrade (to the highest of the versions that close each),
a package with no fixed version needs a mitigation, a failed check needs its setting
changed. Each system's scoring leaves its share of every action (points, findings,
hosts, earliest KEV due date); the triage queue adds the shares up across systems and
agencies. Pure functions, so an export's recomputation ranks exactly as the hub did.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from packageurl import PackageURL
from univers.versions import Version

from hub.core.ecosystems import Unmatchable, osv_package
from hub.core.versions import UnsupportedVersion, parse

UPGRADE, MITIGATE, CONFIGURE = "upgrade", "mitigate", "configure"
INVESTIGATE = "investigate"
MAX_VULNS = 20  # vulnerability ids kept per action: enough to read, bounded to store


@lru_cache(maxsize=262_144)  # pure, and a fleet repeats the same few thousand purls
def package_base(purl: str) -> str:
    """The package without its version, qualifiers or subpath: what an upgrade names."""
    try:
        p = PackageURL.from_string(purl)
    except ValueError:
        return purl.split("@", 1)[0]
    return PackageURL(type=p.type, namespace=p.namespace, name=p.name).to_string()


def _order(purl: str, versions: Iterable[str]) -> list[str]:
    """`versions` in the package's ecosystem order; by text when it has no rules."""
    chosen = sorted(set(versions))
    if len(chosen) < 2:
        return chosen
    try:
        ecosystem = _ecosystem(purl)
        return sorted(chosen, key=lambda v: _parse(ecosystem, v))
    except (Unmatchable, UnsupportedVersion, TypeError):
        return chosen


@lru_cache(maxsize=65_536)
def _ecosystem(purl: str) -> str:
    probe = purl if "@" in purl.rsplit("/", 1)[-1] else f"{purl}@0"  # a base purl
    return osv_package(probe).ecosystem


@lru_cache(maxsize=262_144)
def _parse(ecosystem: str, version: str) -> Version:
    return parse(ecosystem, version)


def lowest(purl: str, versions: Iterable[str]) -> str:
    ordered = _order(purl, versions)
    return ordered[0] if ordered else ""


def highest(purl: str, versions: Iterable[str]) -> str:
    ordered = _order(purl, versions)
    return ordered[-1] if ordered else ""


def finding_action(purl: str, vuln_id: str, fixed_in: tuple[str, ...]) -> tuple[str, str]:
    """(action key, target version) for one finding."""
    if not purl:
        return f"{MITIGATE} vulnerability {vuln_id}", ""
    return _package_action(purl, fixed_in)


@lru_cache(maxsize=262_144)
def _package_action(purl: str, fixed_in: tuple[str, ...]) -> tuple[str, str]:
    base = package_base(purl)
    if fixed_in:
        return f"{UPGRADE} {base}", lowest(purl, fixed_in)
    return f"{MITIGATE} {base}", ""


def check_action(check_id: str) -> str:
    return f"{CONFIGURE} {check_id}"


def investigate_action(indicator_id: str) -> str:
    """The same key a playbook's triage item for a sighting takes, so the people's side
    (owner, status, comments) and the points meet in one row of the queue."""
    return f"{INVESTIGATE} indicator {indicator_id}"


def investigate_incident(incident_id: str) -> str:
    """An open incident's row of the queue: one per incident, whatever it affects."""
    return f"{INVESTIGATE} incident {incident_id}"


def add_share(
    shares: dict[str, dict[str, Any]],
    key: str,
    *,
    points: float,
    target: str,
    subject: str,
    vuln_id: str = "",
    kev_due: str | None = None,
    title: str = "",
    purl: str = "",
) -> None:
    """Count one finding or failed check into this system's share of action `key`; call
    `finish` when the system is done."""
    share = shares.setdefault(
        key,
        {
            "points": 0.0,
            "findings": 0,
            "subjects": set(),
            "target": "",
            "kev_due": None,
            "vulns": [],
            "title": title,
            "purl": package_base(purl) if purl else "",
        },
    )
    share["points"] += points
    share["findings"] += 1
    share["subjects"].add(subject)
    if target:
        share["target"] = highest(purl, [share["target"], target] if share["target"] else [target])
    if kev_due and (share["kev_due"] is None or kev_due < share["kev_due"]):
        share["kev_due"] = kev_due
    if vuln_id and vuln_id not in share["vulns"] and len(share["vulns"]) < MAX_VULNS:
        share["vulns"].append(vuln_id)


def finish(shares: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A system's shares as stored: the hosts (or the system itself) an action touches
    become a count; hosts belong to one system, so counts add up across systems."""
    for share in shares.values():
        share["targets"] = len(share.pop("subjects"))
    return shares


def merge_shares(parts: Iterable[tuple[str, dict[str, dict[str, Any]]]]) -> dict[str, Any]:
    """Add (org id, shares) up into wider actions: points, findings, hosts, agencies, the
    highest target and the earliest KEV due date. Works on system shares (into an agency's)
    and on agency shares (into the hub's) alike."""
    actions: dict[str, dict[str, Any]] = {}
    for org_id, shares in parts:
        for key, share in shares.items():
            total = actions.setdefault(
                key,
                {
                    "key": key,
                    "kind": key.split(" ", 1)[0],
                    "points": 0.0,
                    "findings": 0,
                    "targets": 0,
                    "orgs": set(),
                    "target": "",
                    "kev_due": None,
                    "vulns": [],
                    "title": share.get("title", ""),
                    "purl": share.get("purl", ""),
                },
            )
            total["points"] += share["points"]
            total["findings"] += share["findings"]
            total["targets"] += share["targets"]
            total["orgs"].add(org_id)
            if share["target"]:
                known = [total["target"], share["target"]] if total["target"] else [share["target"]]
                total["target"] = highest(share.get("purl", ""), known)
            due = share.get("kev_due")
            if due and (total["kev_due"] is None or due < total["kev_due"]):
                total["kev_due"] = due
            for v in share["vulns"]:
                if v not in total["vulns"] and len(total["vulns"]) < MAX_VULNS:
                    total["vulns"].append(v)
    return actions


def as_shares(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Merged actions stored back as shares (an agency's document)."""
    keep = ("points", "findings", "targets", "target", "kev_due", "vulns", "title", "purl")
    return {key: {k: a[k] for k in keep} for key, a in merged.items()}
