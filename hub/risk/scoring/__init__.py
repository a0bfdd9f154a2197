"""CRSA scoring: a versioned policy and a pure engine that explains every number."""

from hub.risk.scoring.engine import (
    Contribution,
    FindingInput,
    Score,
    grade,
    rollup,
    score_check,
    score_finding,
)
from hub.risk.scoring.policy import PolicyError, ScoringPolicy, default_policy

__all__ = [
    "Contribution",
    "FindingInput",
    "PolicyError",
    "Score",
    "ScoringPolicy",
    "default_policy",
    "grade",
    "rollup",
    "score_check",
    "score_finding",
]
