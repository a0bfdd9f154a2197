"""Scoring the hub as it stands: findings and failed checks per asset, assets and SBOM
findings per system, systems per agency, agencies for the nation; each level a record.

Coverage is part of every agency's score: the share of its assets a collector reported
within `stale_after_days`, and of its systems with a current SBOM. A score built on thin
coverage is flagged `thin_coverage`, so missing data never passes for low risk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from hub.model import AuditDraft, Finding, OrgKind, System
from hub.scoring.engine import FindingInput, Score, grade, rollup, score_check, score_finding
from hub.scoring.policy import ScoringPolicy
from hub.scoring.records import ScoreRecord
from hub.store import Store
from hub.store.interface import FINDINGS

THIN_ASSETS = 0.8  # below this share of assets reporting, a score is thin
THIN_SBOMS = 0.5


def _input(f: Finding, system: System) -> FindingInput:
    return FindingInput(
        id=f.id,
        severity=f.severity.value,
        status=f.status.value,
        kev=f.kev,
        kev_due=f.kev_due,
        epss=f.epss,
        first_seen=f.first_seen,
        vex=f.vex,
        sighted=False,  # partner sightings arrive with issue 7
        internet_facing=system.internet_facing,
        criticality=system.criticality.value,
    )


def _record(
    score: Score,
    kind: str,
    org_id: str,
    policy: ScoringPolicy,
    at: datetime,
    coverage: dict[str, Any] | None = None,
) -> ScoreRecord:
    return ScoreRecord(
        id=ScoreRecord.key_id(score.subject, at),
        subject=score.subject,
        kind=kind,
        org_id=org_id,
        points=score.points,
        grade=grade(score.points, policy),
        policy_version=policy.version,
        computed_at=at,
        flags=score.flags,
        contributions={"parts": [asdict(c) for c in score.contributions]},
        coverage=coverage or {},
    )


def score_system(
    store: Store, system: System, policy: ScoringPolicy, now: datetime
) -> tuple[Score, list[Score]]:
    """The system's score and its assets' scores."""
    by_asset: dict[str, list[Score]] = defaultdict(list)
    for f in store.iter_all(FINDINGS, system_id=system.id):
        scored = score_finding(_input(f, system), policy, now)
        by_asset[f.asset_id].append(
            Score(f"finding:{f.id}", scored.points, scored.contributions, scored.flags)
        )
    assets: list[Score] = []
    for asset in store.iter_all_assets(system.id):
        parts = by_asset.pop(asset.id, [])
        telemetry = store.get_telemetry(asset.id)
        for check in telemetry.data.get("checks", []) if telemetry else []:
            parts.append(
                score_check(
                    f"check:{check['id']}",
                    check["severity"],
                    check["status"],
                    system.criticality.value,
                    policy,
                )
            )
        assets.append(rollup(f"asset:{asset.id}", parts))
    own = by_asset.pop("", [])  # the system's SBOM findings
    leftovers = [s for scores in by_asset.values() for s in scores]  # assets since removed
    return rollup(f"system:{system.id}", [*assets, *own, *leftovers]), assets


def score_hub(
    store: Store,
    policy: ScoringPolicy,
    now: datetime,
    *,
    stale_after_days: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> list[ScoreRecord]:
    """Every asset, system, agency and the nation, scored as of `now`."""
    agencies = [o for o in store.list_organizations(kind=OrgKind.AGENCY, limit=10_000)]
    current = {r.subject for r in store.list_sboms(current=True)}
    cutoff = now - timedelta(days=stale_after_days)
    records: list[ScoreRecord] = []
    org_scores: list[Score] = []
    for n, org in enumerate(agencies, 1):
        system_scores: list[Score] = []
        assets_total = assets_fresh = 0
        systems = list(store.iter_all_systems(org.id))
        for system in systems:
            score, assets = score_system(store, system, policy, now)
            system_scores.append(score)
            records += [_record(a, "asset", org.id, policy, now) for a in assets]
            records.append(_record(score, "system", org.id, policy, now))
            for asset in store.iter_all_assets(system.id):
                assets_total += 1
                assets_fresh += asset.last_seen is not None and asset.last_seen >= cutoff
        with_sbom = sum(f"system:{s.id}" in current for s in systems)
        coverage: dict[str, Any] = {
            "assets": assets_total,
            "assets_reporting": assets_fresh,
            "asset_share": assets_fresh / assets_total if assets_total else 0.0,
            "systems": len(systems),
            "systems_with_sbom": with_sbom,
            "sbom_share": with_sbom / len(systems) if systems else 0.0,
        }
        org_score = rollup(f"organization:{org.id}", system_scores)
        thin = coverage["asset_share"] < THIN_ASSETS or coverage["sbom_share"] < THIN_SBOMS
        if thin:
            org_score = Score(
                org_score.subject, org_score.points, org_score.contributions, ("thin_coverage",)
            )
        org_scores.append(org_score)
        records.append(_record(org_score, "organization", org.id, policy, now, coverage))
        if progress:
            progress(n, len(agencies))
    records.append(_record(rollup("nation", org_scores), "nation", "", policy, now))
    return records


def score_as_of(store: Store, subject: str, as_of: datetime) -> ScoreRecord | None:
    """The score recorded for `subject` at or before `as_of`: history, not a recomputation."""
    before = [r for r in store.score_history(subject) if r.computed_at <= as_of]
    return before[-1] if before else None


def record(store: Store, records: list[ScoreRecord], draft: AuditDraft) -> None:
    """Store a scoring run's records with the audit entry that says who ran it and why."""
    with store.transaction() as tx:
        for start in range(0, len(records), 5000):
            tx.put_scores(records[start : start + 5000])
        tx.append_audit(draft)
