"""`crsa export verify --recompute`: redo an export's scores from its own inputs and policy.

Nothing here reads the hub: the export's `inputs.json` (every system's findings, checks,
assets and weights as scored) and `policy.yaml` go through the same pure engine the hub
ran, and each asset, system, agency and nation total must equal what `scores.json` says.
An auditor who trusts the engine's code then trusts every number without trusting the hub.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.scoring.compute import organization_score
from hub.scoring.engine import rollup
from hub.scoring.policy import PolicyError, ScoringPolicy
from hub.scoring.records import SystemScoreState
from hub.scoring.system import SystemInputs, score_system

TOLERANCE = 1e-9  # relative: sums of floats in another order differ in the last bits


def _expected(folder: Path) -> dict[str, dict[str, Any]]:
    rows = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    return {r["subject"]: r for r in rows}


def recompute(inputs: dict[str, Any], policy: ScoringPolicy) -> dict[str, tuple[float, list[str]]]:
    """(points, flags) per subject, from the inputs alone."""
    now = datetime.fromisoformat(inputs["now"])
    stale = int(inputs["stale_after_days"])
    out: dict[str, tuple[float, list[str]]] = {}
    states: dict[str, list[SystemScoreState]] = {o: [] for o in inputs["organizations"]}
    for doc in inputs["systems"]:
        system = SystemInputs.from_json(doc)
        result = score_system(system, policy, now, stale)
        for asset in result.assets:
            out[asset.subject] = (asset.points, list(asset.flags))
        out[result.score.subject] = (result.score.points, list(result.score.flags))
        states.setdefault(system.org_id, []).append(
            SystemScoreState(
                id=system.id,
                org_id=system.org_id,
                scored_at=now,
                evaluated_at=now,
                next_change=None,
                policy_version=policy.version,
                points=result.score.points,
                assets=len(system.assets),
                assets_reporting=result.assets_reporting,
                has_sbom=system.has_sbom,
                flags=result.score.flags,
            )
        )
    orgs = []
    for org_id in sorted(states):
        score, _ = organization_score(org_id, states[org_id])
        orgs.append(score)
        out[score.subject] = (score.points, list(score.flags))
    if inputs.get("scope") == "nation":
        nation = rollup("nation", orgs)
        out["nation"] = (nation.points, list(nation.flags))
    return out


def compare(folder: Path) -> tuple[int, list[str]]:
    """(scores checked, problems naming each subject that differs)."""
    try:
        inputs = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
        policy = ScoringPolicy.parse((folder / "policy.yaml").read_text(encoding="utf-8"))
        expected = _expected(folder)
    except (OSError, ValueError, KeyError, PolicyError) as exc:
        return 0, [f"cannot recompute: {exc}"]
    if policy.version != inputs.get("policy_version"):
        return 0, [
            f"policy.yaml is version {policy.version}, the inputs were scored under"
            f" {inputs.get('policy_version')}"
        ]
    got = recompute(inputs, policy)
    problems = []
    for subject, row in sorted(expected.items()):
        if subject not in got:
            problems.append(f"scores.json: {subject} has no inputs to recompute it from")
            continue
        points, flags = got[subject]
        if not math.isclose(points, row["points"], rel_tol=TOLERANCE, abs_tol=1e-9):
            problems.append(
                f"scores.json: {subject} says {row['points']!r} points, recomputed {points!r}"
            )
        elif sorted(flags) != sorted(row["flags"]):
            problems.append(f"scores.json: {subject} flags {row['flags']} != recomputed {flags}")
    missing = sorted(set(got) - set(expected))
    problems += [f"scores.json: lacks {s}, which its inputs score" for s in missing]
    return len(expected), problems
