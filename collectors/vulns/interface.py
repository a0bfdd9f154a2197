"""The seam every vulnerability source sits behind (files, zip archives, HTTP feeds)."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field

from sbom.advisory import Advisory


@dataclass
class SourceReport:
    """What a read produced besides advisories: what was skipped, and why."""

    read: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


class VulnerabilitySource(abc.ABC):
    name: str

    @abc.abstractmethod
    def advisories(self, report: SourceReport) -> Iterator[Advisory]:
        """Every usable advisory; malformed entries go to `report.skipped`, not exceptions."""
