"""The two seams of vulnerability intelligence: where bytes come from, and what they mean.

A `Location` (a file, a directory, an HTTP(S) URL) fetches a `Payload` unless
it is unchanged since the validator the last sync saw (ETag, Last-Modified or
content digest), so an unchanged feed costs one request or one hash. A
`VulnerabilitySource` (OSV, CISA KEV, FIRST EPSS, JVN iPedia) turns the
payload's members into `IntelRecord`s; any source reads from any location,
so "OSV zip over HTTPS" is `OsvSource` on an `HttpLocation`, not a class of its own.
Malformed entries land in `SourceReport.skipped` with the reason; they never
fail the batch.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from hub.core.errors import InvalidSubmission
from hub.core.records.intel import IntelRecord, IntelSource


class FeedError(InvalidSubmission):
    """A feed could not be read at all (unreachable, refused, not the expected format).
    Registering one through the API is a request that cannot be carried out: 422."""

    code = "feed_error"


@dataclass
class SourceReport:
    """What a read produced besides records: what was skipped, and why."""

    read: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


Member = tuple[str, bytes]  # a name (file or archive entry) and its bytes


@dataclass(frozen=True)
class Payload:
    validator: str
    members: Callable[[], Iterator[Member]]


class Provides(StrEnum):
    """What a source's records are to matching."""

    ADVISORIES = "advisories"  # which package versions are affected: matching indexes them
    ENRICHMENT = "enrichment"  # facts about ids advisories name (exploited, likely, rated)


class LocationKind(StrEnum):
    FILE = "file"
    DIRECTORY = "directory"
    ZIP = "zip"
    HTTP = "http"


# What a source reads: one published document (a catalog, a score file), or also a tree.
ONE_DOCUMENT = frozenset({LocationKind.FILE, LocationKind.ZIP, LocationKind.HTTP})
ANYWHERE = frozenset(LocationKind)


class Location(abc.ABC):
    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The path or URL, as feeds are registered by it."""

    @property
    @abc.abstractmethod
    def kind(self) -> LocationKind:
        """What sort of place this is, checked against what a source `reads`."""

    @abc.abstractmethod
    def fetch(self, previous: str) -> Payload | None:
        """The content, or None when it is unchanged since validator `previous`."""


@dataclass
class Enriched:
    """What enrichment sources said about one match's CVEs, folded in a fixed order (CVEs
    sorted, sources by sync order): the finding is built from this, so a new enrichment
    source changes a finding by writing here, not by teaching matching its format."""

    known_exploited: bool = False
    exploited_due: str | None = None  # the remediation due date of the first KEV entry
    epss: float | None = None  # the highest exploitation probability among the CVEs
    aliases: set[str] = field(default_factory=set)  # further ids (JVNDB-...)
    summary: str = ""  # when the advisory has none
    vectors: list[str] = field(default_factory=list)  # CVSS, when the advisory rates nothing


class VulnerabilitySource(abc.ABC):
    """One source, declared once: everything the hub needs to know about it is here.

    `order` is its place in a sync (advisories first, so enrichers see their ids);
    `reads` the locations it can be registered with; `upstream` where its publisher
    serves it, shown to people who register a feed."""

    source: ClassVar[IntelSource]
    provides: ClassVar[Provides]
    order: ClassVar[int]
    reads: ClassVar[frozenset[LocationKind]]
    upstream: ClassVar[str] = ""

    @abc.abstractmethod
    def records(self, members: Iterator[Member], report: SourceReport) -> Iterator[IntelRecord]:
        """Every usable record in the payload; malformed entries go to `report.skipped`."""

    @classmethod
    def enrich(cls, data: dict[str, Any], into: Enriched) -> None:
        """What one of this source's records (keyed by a CVE) adds to a finding of that
        CVE. Advisory sources add nothing here: matching reads them whole."""
        return
