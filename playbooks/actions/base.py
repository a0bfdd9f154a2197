"""The interface every playbook action implements, and what it is given.

An action either writes to the store, and then hands the engine a `write` that goes into
the same transaction as the record that it was done (so it happens exactly once), or it
reaches outside (a webhook, a mail, a TAXII collection), and then it carries the run's
idempotency key so the receiver can drop a repeat: a crash after the outside world saw
it but before the record was written repeats it once, with the same key.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from hub.core.errors import HubError
from hub.core.records.events import Event
from hub.core.settings import Settings
from hub.core.store import Store, Transaction
from playbooks.definition import Playbook, Step


class ActionError(HubError):
    """The action could not be done now; the event stays queued and is tried again."""


@dataclass(frozen=True)
class Context:
    store: Store
    settings: Settings
    now: datetime
    request_id: str
    sleep: Callable[[float], None]


@dataclass(frozen=True)
class Outcome:
    detail: dict[str, Any] = field(default_factory=dict)
    write: Callable[[Transaction], None] | None = None


class PlaybookAction(abc.ABC):
    kind: ClassVar[str]

    @abc.abstractmethod
    def perform(
        self, ctx: Context, book: Playbook, step: Step, event: Event, key: str
    ) -> Outcome: ...

    def describe(self, step: Step, event: Event) -> str:
        """What a dry run says it would do."""
        return f"{self.kind} {step.spec}"
