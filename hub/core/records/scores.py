"""Scores as the store keeps them: one record per subject per scoring run, with the policy
version and the contributions, so history answers "what was the score on that day, and why"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.model import derive_id

KINDS = ("asset", "system", "organization", "nation")


@dataclass(frozen=True)
class ScoreRecord:
    id: str
    subject: str  # "nation", "organization:<id>", "system:<id>", "asset:<id>"
    kind: str
    org_id: str  # "" for the nation
    points: float
    grade: float
    policy_version: str
    computed_at: datetime
    flags: tuple[str, ...]
    contributions: dict[str, Any] = field(hash=False)  # {"parts": [{reason, points, detail}]}
    coverage: dict[str, Any] = field(hash=False)
    # What the grade was computed from: per-asset points under a power_mean policy, the
    # points under a sum policy; and the grade's band letter ("" before bands existed).
    measure: float = 0.0
    band: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", tuple(self.flags))

    @staticmethod
    def key_id(subject: str, computed_at: datetime) -> str:
        return derive_id("score", subject, computed_at.isoformat())


@dataclass(frozen=True)
class ScoringChange:
    """Something a system's score depends on changed (id = the system's id): written in
    the same transaction as the change, with a fresh `token` each time. A run reads the
    tokens before it reads any input and keeps the one it saw in the system's state, so
    a change committed at any moment during a run leaves a token the state does not hold,
    and the next run rescores the system: no change is ever missed, whatever the clocks."""

    id: str
    org_id: str
    changed_at: datetime
    reason: str
    token: str


@dataclass(frozen=True)
class SystemScoreState:
    """What the last scoring of one system left for the next (id = the system's id).

    `scored_at` is the wall-clock start of the run that wrote it; `next_change` is when
    time alone will move its score (a deadline passing, an accepted risk expiring, an
    asset going stale). Agency and nation scores, coverage and the triage queue are sums
    over these states (and `ActionShares`), so an incremental run touches only the systems
    that changed, and reads nothing bigger than these small records for the rest.
    """

    id: str
    org_id: str
    scored_at: datetime
    evaluated_at: datetime
    next_change: datetime | None
    policy_version: str
    points: float
    assets: int
    assets_reporting: int
    has_sbom: bool
    change_token: str = ""  # the ScoringChange token this scoring had seen
    flags: tuple[str, ...] = ()  # the system score's flags, which carry up to its agency
    # Its part of the per-asset measure (engine.Measure): the sum of its assets' points
    # raised to the policy's power, and how many assets that sum is over.
    power_sum: float = 0.0
    units: int = 0


@dataclass(frozen=True)
class ActionShares:
    """One system's, or one agency's, share of every remediation action, by action key
    (id = "system:<id>" or "organization:<id>"). Kept apart from the states because they
    are big (a share per package) and only the triage queue and reports read them: the
    agency documents are rebuilt from the system ones whenever one of its systems changes,
    so the queue reads one document per agency, never one per system or finding."""

    id: str
    org_id: str
    level: str  # system | organization
    actions: dict[str, Any] = field(hash=False)
