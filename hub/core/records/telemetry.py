"""What collectors report about a host beyond its software: the latest telemetry per asset,
and one record per delivered batch, which is what makes delivery exactly-once.

A collector names each batch with an idempotency key; the hub stores the key with the
batch, so a batch retried after a lost answer (or replayed from a collector's spool)
is recognised and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AssetTelemetry:
    """The newest telemetry of one asset (id = the asset's id): kernel, ports, connections,
    processes and configuration check results, as the collector sent them."""

    id: str
    org_id: str
    system_id: str
    collected_at: datetime
    kernel: str
    checks_failed: int
    checks_passed: int
    data: dict[str, Any] = field(hash=False)

    def scored_checks(self) -> list[tuple[str, str, str, str]]:
        """(id, title, severity, status) of each configuration check, as reported: what
        scoring reads of a host's telemetry, and so what must differ for a new report to
        move its score."""
        return [
            (c["id"], c.get("title", ""), c["severity"], c["status"])
            for c in self.data.get("checks", [])
        ]


@dataclass(frozen=True)
class InventoryBatch:
    id: str  # the collector's idempotency key
    asset_id: str
    org_id: str
    source: str  # endpoint | osquery
    digest: str  # SHA-256 of the batch as received
    packages: int
    added: int
    removed: int
    received_at: datetime
