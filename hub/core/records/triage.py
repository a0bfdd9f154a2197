"""Triage items: the people's side of a remediation action (status, owner, comments, and
accepted risks), kept apart from the numbers, which scoring recomputes.

An accepted risk is recorded per agency (or for all, `*`) with an expiry; scoring
counts the action's findings at the policy's reduced weight until then and flags them,
and on expiry they count in full again without anyone having to remember.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.core.model import derive_id

ALL_AGENCIES = "*"


class TriageStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ACCEPTED_RISK = "accepted_risk"


@dataclass(frozen=True)
class TriageItem:
    id: str
    key: str  # the action key, e.g. "upgrade pkg:pypi/django"
    status: str
    owner: str
    comments: tuple[dict[str, Any], ...]  # {at, by, text}
    accepted: dict[str, Any] = field(hash=False)  # org id or "*" -> {until, reason, by, at}
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Set when a playbook opened the item for something scoring has no action for (a
    # sighting to investigate): {playbook, event, title, kind, org_ids}.
    origin: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", TriageStatus(self.status).value)
        object.__setattr__(self, "comments", tuple(self.comments))

    @staticmethod
    def key_id(key: str) -> str:
        return derive_id("triage", key)

    def accepted_until(self, org_id: str, now: datetime) -> datetime | None:
        """When the risk accepted for `org_id` (or for every agency) ends; None if none holds."""
        ends = [
            datetime.fromisoformat(self.accepted[who]["until"])
            for who in (org_id, ALL_AGENCIES)
            if who in self.accepted
        ]
        live = [e for e in ends if e > now]
        return max(live) if live else None


class Acceptances:
    """Accepted risks by action key, as scoring looks them up."""

    def __init__(self, items: list[TriageItem]) -> None:
        self._by_key = {i.key: i for i in items if i.accepted}

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def until(self, key: str, org_id: str, now: datetime) -> datetime | None:
        item = self._by_key.get(key)
        return item.accepted_until(org_id, now) if item else None
