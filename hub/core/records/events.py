"""The records of the outbox and of the actions taken on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.core.model import derive_id


class EventStatus(StrEnum):
    PENDING = "pending"  # queued, or some playbook action still to do (failed or deferred)
    DONE = "done"  # every matching playbook did every action
    FAILED = "failed"  # gave up after the engine's attempts; kept for people to look at


@dataclass(frozen=True)
class Event:
    """One thing that happened. `fields` are what playbook conditions and templates read;
    the id comes from what happened (the finding, the score record, the sighting...), so
    a source that sees it again queues nothing new."""

    id: str
    trigger: str
    subject: str
    org_id: str
    at: datetime
    fields: dict[str, Any] = field(hash=False)
    status: str = EventStatus.PENDING.value
    attempts: int = 0
    queued_at: datetime | None = None
    handled_at: datetime | None = None
    error: str = ""
    # Reopened for some playbooks only (a backfill): the others leave it alone.
    only_for: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", EventStatus(self.status).value)
        object.__setattr__(self, "only_for", tuple(self.only_for))

    @staticmethod
    def key_id(trigger: str, *what: str) -> str:
        return derive_id("event", trigger, *what)

    def view(self) -> dict[str, Any]:
        """What conditions and templates read: the fields and the common ones."""
        return {**self.fields, "trigger": self.trigger, "subject": self.subject,
                "org_id": self.org_id, "at": self.at.isoformat()}  # fmt: skip


@dataclass(frozen=True)
class ActionRun:
    """One playbook action done for one event. The id is the action's idempotency key
    (event, playbook, action), so a retry finds it and does not do the action again."""

    id: str
    playbook: str
    event_id: str
    action: str
    status: str  # "done"
    at: datetime
    detail: dict[str, Any] = field(hash=False)

    @staticmethod
    def key_id(event_id: str, playbook: str, index: int) -> str:
        return derive_id("action", event_id, playbook, str(index))


@dataclass(frozen=True)
class AssetTags:
    """Tags put on an asset by playbooks (id = the asset's id)."""

    id: str
    org_id: str
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(self.tags))


@dataclass(frozen=True)
class EventCursor:
    """How far a source that reads by time (score records) has read (id = the source)."""

    id: str
    position: str
