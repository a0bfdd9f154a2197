"""Vulnerability intelligence sources: what a feed means, read from where it is.

Every source is one module here declaring itself once (`VulnerabilitySource`: what it
provides, its sync order, the locations it reads, its upstream, what it adds to a
finding); `REGISTERED` lists them. Feed sync order, the CLI's choices, which records
matching indexes, how findings are enriched and what a change re-matches all come from
the declarations. Adding a source is one module, one line below, and its tests.
"""

from hub.core.records.intel import IntelSource
from hub.intelligence.sources.epss import EpssSource
from hub.intelligence.sources.interface import (
    Enriched,
    FeedError,
    Location,
    LocationKind,
    Payload,
    Provides,
    SourceReport,
    VulnerabilitySource,
)
from hub.intelligence.sources.jvn import JvnSource
from hub.intelligence.sources.kev import KevSource
from hub.intelligence.sources.locations import (
    DirectoryLocation,
    FileLocation,
    HttpLocation,
    location_for,
)
from hub.intelligence.sources.osv import OsvDirectorySource, OsvSource

REGISTERED: tuple[type[VulnerabilitySource], ...] = (OsvSource, JvnSource, KevSource, EpssSource)


def source_for(source: IntelSource | str) -> type[VulnerabilitySource]:
    """The declaration of `source`; a feed of a source this hub does not know (a record
    written by a newer version, a typo) is a clear error, never a KeyError."""
    found = next((s for s in REGISTERED if s.source == source), None)
    if found is None:
        raise FeedError(
            f"no intelligence source {str(source)!r}; known sources: "
            + ", ".join(s.source.value for s in REGISTERED),
            hint="upgrade the hub if a newer version registered this feed",
        )
    return found


def sync_order(source: IntelSource | str) -> int:
    return source_for(source).order


def provides_enrichment(source: IntelSource | str) -> bool:
    return source_for(source).provides is Provides.ENRICHMENT


def sources_providing(provides: Provides) -> tuple[IntelSource, ...]:
    return tuple(
        s.source for s in sorted(REGISTERED, key=lambda s: s.order) if s.provides is provides
    )


__all__ = [
    "REGISTERED",
    "DirectoryLocation",
    "Enriched",
    "EpssSource",
    "FeedError",
    "FileLocation",
    "HttpLocation",
    "JvnSource",
    "KevSource",
    "Location",
    "LocationKind",
    "OsvDirectorySource",
    "OsvSource",
    "Payload",
    "Provides",
    "SourceReport",
    "VulnerabilitySource",
    "location_for",
    "provides_enrichment",
    "source_for",
    "sources_providing",
    "sync_order",
]
