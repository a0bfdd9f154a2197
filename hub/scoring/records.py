"""Scores as the store keeps them: one record per subject per scoring run, with the policy
version and the contributions, so history answers "what was the score on that day, and why"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.model import derive_id

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", tuple(self.flags))

    @staticmethod
    def key_id(subject: str, computed_at: datetime) -> str:
        return derive_id("score", subject, computed_at.isoformat())
