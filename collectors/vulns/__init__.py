"""Vulnerability intelligence sources, each behind `VulnerabilitySource`."""

from collectors.vulns.interface import SourceReport, VulnerabilitySource
from collectors.vulns.osv import OsvDirectorySource

__all__ = ["OsvDirectorySource", "SourceReport", "VulnerabilitySource"]
