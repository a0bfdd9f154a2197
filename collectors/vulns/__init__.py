"""Vulnerability intelligence: sources (what a feed means) read from locations (where it is)."""

from collectors.vulns.epss import EpssSource
from collectors.vulns.interface import (
    FeedError,
    Location,
    Payload,
    SourceReport,
    VulnerabilitySource,
)
from collectors.vulns.jvn import JvnSource
from collectors.vulns.kev import KevSource
from collectors.vulns.locations import DirectoryLocation, FileLocation, HttpLocation, location_for
from collectors.vulns.osv import OsvDirectorySource, OsvSource
from hub.intel import IntelSource

SOURCES: dict[IntelSource, type[VulnerabilitySource]] = {
    IntelSource.OSV: OsvSource,
    IntelSource.KEV: KevSource,
    IntelSource.EPSS: EpssSource,
    IntelSource.JVN: JvnSource,
}

__all__ = [
    "SOURCES",
    "DirectoryLocation",
    "EpssSource",
    "FeedError",
    "FileLocation",
    "HttpLocation",
    "JvnSource",
    "KevSource",
    "Location",
    "OsvDirectorySource",
    "OsvSource",
    "Payload",
    "SourceReport",
    "VulnerabilitySource",
    "location_for",
]
