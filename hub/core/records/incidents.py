"""What the store keeps of an incident an agency reports: the Knowledge Wall's unit.

The observables, techniques and vulnerabilities are kept as searchable lists, so that the
incidents sharing one with another are one store query away (correlation, clusters); the
STIX objects it arrived with are kept whole, for sharing it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class IncidentState(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    CONTAINED = "contained"
    CLOSED = "closed"


# The moves an incident may make: forward through the states, and a closed one reopened
# when it turns out not to be over (triaged again, with the audit trail saying who did).
MOVES: dict[IncidentState, frozenset[IncidentState]] = {
    IncidentState.NEW: frozenset(
        {IncidentState.TRIAGED, IncidentState.CONTAINED, IncidentState.CLOSED}
    ),
    IncidentState.TRIAGED: frozenset({IncidentState.CONTAINED, IncidentState.CLOSED}),
    IncidentState.CONTAINED: frozenset({IncidentState.CLOSED}),
    IncidentState.CLOSED: frozenset({IncidentState.TRIAGED}),
}


@dataclass(frozen=True)
class Incident:
    """`id` is the STIX id of its `incident` object (`incident--<uuid>`). `observables` are
    `path=value` keys in STIX pattern paths (`ipv4-addr:value=203.0.113.7`), the form in
    which the IOC matcher and the hub's observations compare them. `digest` is the
    SHA-256 of the submission it came from: the same submission again changes nothing."""

    id: str
    org_id: str
    title: str
    description: str
    state: str
    severity: str
    tlp: str
    first_activity: datetime
    last_activity: datetime
    reported_at: datetime
    updated_at: datetime
    reported_by: str
    owner: str
    asset_ids: tuple[str, ...]
    system_ids: tuple[str, ...]
    observables: tuple[str, ...]
    techniques: tuple[str, ...]
    vulnerabilities: tuple[str, ...]
    digest: str
    objects: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    # Its timeline: {"at", "actor", "event", "detail"} for each report, update, change
    # and share, oldest first (the audit log holds the same, chained; this is its index).
    history: tuple[dict[str, Any], ...] = field(default=(), hash=False)

    @property
    def open(self) -> bool:
        return self.state != IncidentState.CLOSED
