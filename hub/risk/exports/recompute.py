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

from hub.core.records.scores import SystemScoreState
from hub.risk.scoring.compute import (
    asset_measure,
    graded,
    measure_over,
    organization_score,
    system_state,
)
from hub.risk.scoring.engine import rollup
from hub.risk.scoring.policy import PolicyError, ScoringPolicy
from hub.risk.scoring.system import SystemInputs, score_system

TOLERANCE = 1e-9  # relative: sums of floats in another order differ in the last bits


def _expected(folder: Path) -> dict[str, dict[str, Any]]:
    rows = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    return {r["subject"]: r for r in rows}


Recomputed = tuple[float, list[str], float]  # points, flags, risk index


def recompute(inputs: dict[str, Any], policy: ScoringPolicy) -> dict[str, Recomputed]:
    """(points, flags, grade) per subject, from the inputs alone."""
    now = datetime.fromisoformat(inputs["now"])
    stale = int(inputs["stale_after_days"])
    out: dict[str, Recomputed] = {}
    states: dict[str, list[SystemScoreState]] = {o: [] for o in inputs["organizations"]}
    for doc in inputs["systems"]:
        system = SystemInputs.from_json(doc)
        result = score_system(system, policy, now, stale)
        for asset in result.assets:
            index, _ = graded(asset, asset_measure(asset, policy), policy)
            out[asset.subject] = (asset.points, list(asset.flags), index)
        index, _ = graded(result.score, result.measure, policy)
        out[result.score.subject] = (result.score.points, list(result.score.flags), index)
        state = system_state(system, result, policy, now, now)
        states.setdefault(system.org_id, []).append(state)
    orgs = []
    for org_id in sorted(states):
        score, _ = organization_score(org_id, states[org_id])
        orgs.append(score)
        index, _ = graded(score, measure_over(states[org_id]), policy)
        out[score.subject] = (score.points, list(score.flags), index)
    if inputs.get("scope") == "nation":
        nation = rollup("nation", orgs)
        everyone = measure_over([s for group in states.values() for s in group])
        index, _ = graded(nation, everyone, policy)
        out["nation"] = (nation.points, list(nation.flags), index)
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
        points, flags, index = got[subject]
        if not math.isclose(points, row["points"], rel_tol=TOLERANCE, abs_tol=1e-9):
            problems.append(
                f"scores.json: {subject} says {row['points']!r} points, recomputed {points!r}"
            )
        elif not math.isclose(index, row["grade"], rel_tol=1e-6, abs_tol=1e-6):
            problems.append(
                f"scores.json: {subject} says grade {row['grade']!r}, recomputed {index!r}"
            )
        elif sorted(flags) != sorted(row["flags"]):
            problems.append(f"scores.json: {subject} flags {row['flags']} != recomputed {flags}")
    missing = sorted(set(got) - set(expected))
    problems += [f"scores.json: lacks {s}, which its inputs score" for s in missing]
    return len(expected), problems
