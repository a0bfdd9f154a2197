"""One system scored from its inputs alone: the unit of incremental scoring and of an
export's recomputation.

`SystemInputs` is everything a system's score depends on (its weight, its assets and
when they reported, its findings and failed checks with any accepted risk), so the same
inputs and policy give the same numbers wherever they are scored: in the hub, or by an
auditor from the `inputs.json` of an export.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.risk.scoring import actions
from hub.risk.scoring.engine import (
    Contribution,
    EvidenceInput,
    FindingInput,
    Measure,
    Score,
    evidence_change,
    next_change,
    rollup,
    score_check,
    score_evidence,
    score_finding,
)
from hub.risk.scoring.policy import ScoringPolicy


@dataclass(frozen=True)
class AssetInput:
    id: str
    last_seen: datetime | None


@dataclass(frozen=True)
class CheckInput:
    asset_id: str
    id: str
    title: str
    severity: str
    status: str
    accepted_until: datetime | None = None


@dataclass(frozen=True)
class SystemInputs:
    id: str
    org_id: str
    criticality: str
    internet_facing: bool
    has_sbom: bool
    assets: tuple[AssetInput, ...]
    findings: tuple[FindingInput, ...]
    checks: tuple[CheckInput, ...] = ()
    evidence: tuple[EvidenceInput, ...] = ()  # sightings on its assets (none before 2027)

    def to_json(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(asdict(self))
        return plain

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> SystemInputs:
        return cls(
            id=doc["id"],
            org_id=doc["org_id"],
            criticality=doc["criticality"],
            internet_facing=bool(doc["internet_facing"]),
            has_sbom=bool(doc["has_sbom"]),
            assets=tuple(AssetInput(a["id"], _when(a["last_seen"])) for a in doc.get("assets", [])),
            findings=tuple(
                FindingInput(
                    **{
                        **f,
                        "first_seen": _when(f["first_seen"]),
                        "accepted_until": _when(f.get("accepted_until")),
                        "fixed_in": tuple(f.get("fixed_in", ())),
                    }
                )
                for f in doc.get("findings", [])
            ),
            checks=tuple(
                CheckInput(**{**c, "accepted_until": _when(c.get("accepted_until"))})
                for c in doc.get("checks", [])
            ),
            evidence=tuple(
                EvidenceInput(
                    **{
                        **e,
                        "types": tuple(e["types"]),
                        "phases": tuple(e["phases"]),
                        "last_seen": datetime.fromisoformat(e["last_seen"]),
                    }
                )
                for e in doc.get("evidence", [])
            ),
        )


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class SystemResult:
    score: Score
    assets: list[Score]
    actions: dict[str, dict[str, Any]] = field(hash=False)
    next_change: datetime | None
    assets_reporting: int
    measure: Measure


def score_system(
    inputs: SystemInputs, policy: ScoringPolicy, now: datetime, stale_after_days: int
) -> SystemResult:
    """The system's score, its assets' scores, its share of each remediation action, and
    when time alone will next move any of them."""
    parts: dict[str, list[Score]] = {a.id: [] for a in inputs.assets}
    own: list[Score] = []  # the system's SBOM findings, and those of assets since removed
    shares: dict[str, dict[str, Any]] = {}
    moments: list[datetime] = []
    for f in inputs.findings:
        scored = score_finding(f, policy, now)
        part = Score(f"finding:{f.id}", scored.points, scored.contributions, scored.flags)
        parts.get(f.asset_id, own).append(part)
        when = next_change(f, policy, now)
        if when is not None:
            moments.append(when)
        if scored.points > 0 or "accepted_risk" in scored.flags:
            key, target = actions.finding_action(f.purl, f.vuln_id, f.fixed_in)
            actions.add_share(
                shares,
                key,
                points=scored.points,
                target=target,
                subject=f"asset:{f.asset_id}" if f.asset_id else f"system:{inputs.id}",
                vuln_id=f.vuln_id,
                kev_due=f.kev_due if f.kev else None,
                purl=f.purl,
            )
    for c in inputs.checks:
        scored = score_check(
            f"check:{c.id}", c.severity, c.status, inputs.criticality, policy, c.accepted_until, now
        )
        parts.get(c.asset_id, own).append(scored)
        if c.accepted_until is not None and c.accepted_until > now:
            moments.append(c.accepted_until)
        if c.status == "fail":
            actions.add_share(
                shares,
                actions.check_action(c.id),
                points=scored.points,
                target="",
                subject=f"asset:{c.asset_id}",
                title=c.title,
            )
    for e in inputs.evidence:
        scored = score_evidence(e, policy, now)
        parts.get(e.asset_id, own).append(
            Score(f"evidence:{e.id}", scored.points, scored.contributions, scored.flags)
        )
        when = evidence_change(e, policy, now)
        if when is not None:
            moments.append(when)
        if scored.points > 0:
            actions.add_share(
                shares,
                actions.investigate_incident(e.indicator_id)
                if e.kind == "incident"
                else actions.investigate_action(e.indicator_id),
                points=scored.points,
                target="",
                subject=f"asset:{e.asset_id}" if e.asset_id else f"system:{inputs.id}",
                title=e.name,
            )
    cutoff = now - timedelta(days=stale_after_days)
    silent: list[str] = []
    for a in inputs.assets:
        if a.last_seen is not None and a.last_seen >= cutoff:
            # stale from the first instant past the window (store precision: microseconds)
            moments.append(a.last_seen + timedelta(days=stale_after_days, microseconds=1))
        else:
            silent.append(a.id)
    reporting = len(inputs.assets) - len(silent)
    if policy.unreported_asset_points and silent:
        _unseen(parts, silent, policy, stale_after_days)
    assets = [rollup(f"asset:{asset_id}", scores) for asset_id, scores in parts.items()]
    system = rollup(f"system:{inputs.id}", [*assets, *own])
    return SystemResult(
        system,
        assets,
        actions.finish(shares),
        min(moments, default=None),
        reporting,
        measure_of(assets, sum(p.points for p in own), policy),
    )


def _unseen(
    parts: dict[str, list[Score]], silent: list[str], policy: ScoringPolicy, stale_after_days: int
) -> None:
    """An asset no collector reported lately is assumed no better than its system's
    reporting assets on average, plus the policy's points for not knowing: silence must
    never read as safety."""
    quiet = set(silent)
    seen = [sum(p.points for p in scores) for a, scores in parts.items() if a not in quiet]
    peers = sum(seen) / len(seen) if seen else 0.0
    for asset_id in silent:
        own = sum(p.points for p in parts[asset_id])
        steps = [
            Contribution(
                "unreported",
                policy.unreported_asset_points,
                f"no collector report within {stale_after_days} days",
            )
        ]
        if peers > own:
            steps.append(
                Contribution("peers", peers - own, f"assumed like its {len(seen)} reporting peers")
            )
        points = sum(c.points for c in steps)
        parts[asset_id].append(
            Score(f"unreported:{asset_id}", points, tuple(steps), ("unreported",))
        )


def measure_of(assets: list[Score], own: float, policy: ScoringPolicy) -> Measure:
    """The system's part of the per-asset measure. Its own (SBOM) findings describe the
    software its hosts run, so their points are shared equally by its assets; a system
    without assets counts as one."""
    power = policy.grades.power
    if not assets:
        return Measure(max(own, 0.0) ** power, 1)
    share = own / len(assets)
    return Measure(sum(max(a.points + share, 0.0) ** power for a in assets), len(assets))
