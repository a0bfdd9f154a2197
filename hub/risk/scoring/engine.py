"""The scoring engine: pure functions from findings, checks and a policy to scores.

A finding's points start at its severity's base and pass through factors
(exploitation, time past the deadline, exposure, criticality, compensating
states). Each factor's effect is recorded as an additive contribution, the
points it added (or removed) at its step, so contributions always sum to the
total: an auditor reads every number as a sum. Assets, systems, agencies and the
nation add their parts' points. Sightings of partner indicators are evidence of
compromise and count points of their own. The 0-100 risk index is a bounded,
monotonic view of a per-asset measure (policies since 2027) or of points (before),
with a named band beside it; it is never the thing that is summed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hub.risk.scoring.policy import ScoringPolicy

SUPPRESSED_VEX = frozenset({"not_affected", "fixed"})


@dataclass(frozen=True)
class Contribution:
    reason: str  # base, kev, epss, sighting, overdue, exposure, criticality, accepted_risk, ...
    points: float
    detail: str
    # A finding's or check's own steps, kept inside the asset's part for it, so an asset's
    # record explains every number down to the factor without a second lookup.
    factors: tuple[Contribution, ...] = ()
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (lists, not tuples), as every store gives them back."""
        return {
            "reason": self.reason,
            "points": self.points,
            "detail": self.detail,
            "factors": [f.as_dict() for f in self.factors],
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class Score:
    subject: str
    points: float
    contributions: tuple[Contribution, ...]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingInput:
    """What scoring needs of one finding and where it sits."""

    id: str
    severity: str
    status: str  # open | fixed | suppressed
    kev: bool
    kev_due: str | None
    epss: float | None
    first_seen: datetime
    vex: str
    sighted: bool
    internet_facing: bool
    criticality: str
    accepted_until: datetime | None = None  # an accepted risk, until it expires
    asset_id: str = ""  # "" for a system's own SBOM findings
    purl: str = ""
    vuln_id: str = ""
    fixed_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceInput:
    """Evidence of compromise on one asset: a partner indicator sighted there, or an
    incident its agency reported (`indicator_id` is then the incident's id, `severity`
    its severity), with what the indicator says of itself and how widely it is seen, so
    the same inputs score the same wherever they are scored."""

    id: str
    kind: str  # sighting, incident
    asset_id: str
    indicator_id: str
    name: str
    types: tuple[str, ...]
    phases: tuple[str, ...]
    confidence: int | None
    tlp: str
    hosts: int
    agencies: int
    active: bool
    last_seen: datetime
    criticality: str
    severity: str = ""


class _Steps:
    """Points that move step by step, each step recorded as what it added."""

    def __init__(self) -> None:
        self.points = 0.0
        self.parts: list[Contribution] = []

    def add(self, reason: str, points: float, detail: str) -> None:
        self.points += points
        self.parts.append(Contribution(reason, points, detail))

    def scale(self, reason: str, factor: float, detail: str) -> None:
        if factor != 1.0:
            self.add(reason, self.points * factor - self.points, detail)


def deadline(f: FindingInput, policy: ScoringPolicy) -> date:
    if f.kev and f.kev_due:
        return date.fromisoformat(f.kev_due[:10])
    days = policy.deadlines_days.get(f.severity, policy.deadlines_days["unknown"])
    return (f.first_seen + timedelta(days=days)).date()


def next_change(f: FindingInput, policy: ScoringPolicy, now: datetime) -> datetime | None:
    """When time alone will next move this finding's points: its deadline passing, then each
    day overdue until the cap, or its accepted risk expiring. None: never, as things stand."""
    if f.status != "open" or f.vex in SUPPRESSED_VEX:
        return None
    moments: list[datetime] = []
    if f.accepted_until is not None and f.accepted_until > now:
        moments.append(f.accepted_until)
    due = deadline(f, policy)
    first_late = datetime.combine(due + timedelta(days=1), time.min, tzinfo=UTC)
    capped_after = (
        policy.overdue_cap * 30.0 / policy.overdue_per_30_days
        if (policy.overdue_per_30_days)
        else 0.0
    )
    if now < first_late:
        moments.append(first_late)
    elif (now.date() - due).days < capped_after:
        moments.append(datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC))
    return min(moments) if moments else None


def score_finding(f: FindingInput, policy: ScoringPolicy, now: datetime) -> Score:
    flags: list[str] = []
    s = _Steps()
    if f.status == "fixed":
        return Score(f.id, 0.0, (Contribution("fixed", 0.0, "no longer present"),))
    if f.status == "suppressed" or f.vex in SUPPRESSED_VEX:
        return Score(f.id, 0.0, (Contribution("vex", 0.0, f"VEX {f.vex or 'suppressed'}"),))
    base = policy.severity_points.get(f.severity, policy.severity_points["unknown"])
    if f.severity not in policy.severity_points or f.severity == "unknown":
        flags.append("unrated")
    s.add("base", base, f"severity {f.severity}")
    if f.kev:
        s.scale("kev", policy.kev_factor, "listed in CISA KEV")
    if f.epss:
        s.scale("epss", 1.0 + policy.epss_weight * f.epss, f"EPSS {f.epss:.3f}")
    if f.sighted:
        s.scale("sighting", policy.sighting_factor, "a partner indicator was sighted here")
    due = deadline(f, policy)
    late = (now.date() - due).days
    if late > 0:
        growth = min(policy.overdue_per_30_days * late / 30.0, policy.overdue_cap)
        s.scale("overdue", 1.0 + growth, f"{late} days past the {due.isoformat()} deadline")
        flags.append("overdue")
    if f.internet_facing:
        s.scale("exposure", policy.internet_facing_factor, "internet-facing system")
    factor = policy.criticality_factor.get(f.criticality, 1.0)
    s.scale("criticality", factor, f"system criticality {f.criticality}")
    if f.accepted_until is not None and f.accepted_until > now:
        s.scale(
            "accepted_risk",
            policy.accepted_risk_factor,
            f"risk accepted until {f.accepted_until.date().isoformat()}",
        )
        flags.append("accepted_risk")
    return Score(f.id, s.points, tuple(s.parts), tuple(flags))


def score_check(
    check_id: str,
    severity: str,
    status: str,
    criticality: str,
    policy: ScoringPolicy,
    accepted_until: datetime | None = None,
    now: datetime | None = None,
) -> Score:
    """A configuration check: only a failure counts, by its severity and the system's weight."""
    if status != "fail":
        return Score(check_id, 0.0, (Contribution("check", 0.0, f"check {status}"),))
    s = _Steps()
    s.add("check", policy.check_points.get(severity, 0.0), f"failed {severity} check")
    s.scale(
        "criticality",
        policy.criticality_factor.get(criticality, 1.0),
        f"system criticality {criticality}",
    )
    flags: tuple[str, ...] = ()
    if accepted_until is not None and now is not None and accepted_until > now:
        s.scale(
            "accepted_risk",
            policy.accepted_risk_factor,
            f"risk accepted until {accepted_until.date().isoformat()}",
        )
        flags = ("accepted_risk",)
    return Score(check_id, s.points, tuple(s.parts), flags)


def _ended_days(e: EvidenceInput, now: datetime) -> int:
    return max(0, (now.date() - e.last_seen.date()).days)


def score_evidence(e: EvidenceInput, policy: ScoringPolicy, now: datetime) -> Score:
    """A sighting's own points: what the indicator says it is (its most serious kill-chain
    phase, else its type), how sure its source is, its marking, how widely it is seen, the
    system's weight; halving every half-life once the sighting has ended. Under a policy
    without a `compromise` section a sighting only multiplies the asset's findings."""
    c = policy.compromise
    if c is None:
        return Score(e.id, 0.0, (Contribution("sighting", 0.0, "policy counts no compromise"),))
    s = _Steps()
    phases = [(c.phase_points[p], p) for p in e.phases if p in c.phase_points]
    if e.kind == "incident":
        s.add(
            "incident",
            c.incident_points.get(e.severity, c.incident_points["medium"]),
            f"{e.name or e.indicator_id}: incident reported, severity {e.severity}",
        )
    elif phases:
        points, phase = max(phases)
        s.add("indicator", points, f"{e.name or e.indicator_id}: kill-chain phase {phase}")
    else:
        kinds = [(c.type_points[t], t) for t in e.types if t in c.type_points]
        points, kind = max(kinds or [(c.type_points["unknown"], "unknown")])
        s.add("indicator", points, f"{e.name or e.indicator_id}: indicator type {kind}")
    if e.kind == "incident":
        pass  # the agency saw it happen: neither a source's confidence nor a marking applies
    elif e.confidence is None:
        s.scale("confidence", c.confidence_unstated, "confidence not stated")
    else:
        factor = max(c.confidence_floor, min(e.confidence, 100) / 100.0)
        s.scale("confidence", factor, f"confidence {e.confidence}")
    if e.kind != "incident":
        s.scale("tlp", c.tlp_factor.get(e.tlp, 1.0), f"marked TLP:{e.tlp.upper()}")
    growth = c.per_extra_agency * max(0, e.agencies - 1)
    growth += c.per_host_doubling * math.log2(max(1, e.hosts))
    seen = "in a cluster reaching" if e.kind == "incident" else "sighted on"
    s.scale(
        "spread",
        1.0 + min(growth, c.spread_cap),
        f"{seen} {e.hosts} hosts in {e.agencies} agencies",
    )
    s.scale(
        "criticality",
        policy.criticality_factor.get(e.criticality, 1.0),
        f"system criticality {e.criticality}",
    )
    flags: tuple[str, ...] = ("compromise",)
    if not e.active:
        days = _ended_days(e, now)
        if days >= c.forget_after_days:
            return Score(e.id, 0.0, (Contribution("ended", 0.0, f"ended {days} days ago"),))
        ended = "incident closed" if e.kind == "incident" else "sighting ended"
        s.scale("decay", 0.5 ** (days / c.half_life_days), f"{ended} {days} days ago")
        flags = ("compromise_ended",)
    return Score(e.id, s.points, tuple(s.parts), flags)


def evidence_change(e: EvidenceInput, policy: ScoringPolicy, now: datetime) -> datetime | None:
    """An ended sighting's points fall each day until forgotten; an active one moves only
    when the sighting itself changes (which marks its system)."""
    c = policy.compromise
    if c is None or e.active or _ended_days(e, now) >= c.forget_after_days:
        return None
    return datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC)


EXPLAINED = ("finding:", "check:", "evidence:", "unreported:")


def rollup(subject: str, parts: Iterable[Score]) -> Score:
    """A subject's score: the sum of its parts, each part one contribution; flags carry up
    (an agency with an overdue finding somewhere is flagged overdue)."""
    parts = list(parts)
    contributions = tuple(
        Contribution(
            "part",
            p.points,
            p.subject,
            p.contributions if p.subject.startswith(EXPLAINED) else (),
            p.flags,
        )
        for p in parts
    )
    flags = tuple(sorted({f for p in parts for f in p.flags}))
    return Score(subject, sum(c.points for c in contributions), contributions, flags)


def grade(points: float, policy: ScoringPolicy) -> float:
    """The 0 (no risk) to below 100 risk index of a measure (points, or per-asset points
    under a power_mean policy): 1 - e^(-measure/scale), monotonic in it."""
    return 100.0 * (1.0 - math.exp(-max(points, 0.0) / policy.grade_scale))


@dataclass(frozen=True)
class Measure:
    """What a subject is graded on. Under a power_mean policy: the power mean of its
    assets' points, from the sum of each asset's points raised to the power and the count
    (both add up across systems and agencies, so agencies and the nation cost nothing
    per asset); under a sum policy, the points themselves."""

    power_sum: float
    units: int

    def value(self, points: float, policy: ScoringPolicy) -> float:
        g = policy.grades
        if g.measure == "sum":
            return points
        if not self.units:
            return 0.0
        return float((self.power_sum / self.units) ** (1.0 / g.power))

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.power_sum + other.power_sum, self.units + other.units)


def band(index: float, policy: ScoringPolicy) -> str:
    """The letter of the band the index falls in ("" under a policy without bands)."""
    found = policy.grades.band(index)
    return found.letter if found else ""
