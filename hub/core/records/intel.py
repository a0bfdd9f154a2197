"""Vulnerability intelligence as the store keeps it: one record per advisory, KEV entry,
EPSS score or JVN entry, and one state per configured feed.

Records keep their source document (`data`) and a digest of it, so a feed sync
compares digests and writes only what changed: an unchanged advisory costs one
dictionary lookup, and the changed ids drive re-matching.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.core.model import derive_id


class IntelSource(StrEnum):
    OSV = "osv"
    KEV = "kev"
    EPSS = "epss"
    JVN = "jvn"


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class IntelRecord:
    id: str  # "<source>:<key>"
    source: IntelSource
    key: str  # advisory id, or CVE id for KEV and EPSS
    digest: str
    data: dict[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", IntelSource(self.source))

    @classmethod
    def of(cls, source: IntelSource, key: str, data: dict[str, Any]) -> IntelRecord:
        return cls(f"{source.value}:{key}", source, key, digest(data), data)


@dataclass(frozen=True)
class FeedState:
    """Where a feed is read from and what the last sync saw there."""

    id: str
    source: IntelSource
    location: str  # a path or an http(s) URL
    validator: str  # ETag, Last-Modified, or content digest of the last payload
    synced_at: datetime | None
    records: int
    last_changed: int
    # Why the last sync failed ("" after a success), and when: a feed that silently stops
    # updating would leave KEV due dates and EPSS ranks stale with nobody told.
    last_error: str = ""
    failed_at: datetime | None = None
    # A feed switched off is kept (with what it synced) but no longer synced or reported as
    # failing: a mistyped `feeds add` must not fail every sync after it.
    enabled: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", IntelSource(self.source))

    @staticmethod
    def key_id(source: IntelSource, location: str) -> str:
        return derive_id("feed", IntelSource(source).value, location)
