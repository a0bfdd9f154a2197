"""The CISA Known Exploited Vulnerabilities catalog (its JSON form)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hub.core.records.intel import IntelRecord, IntelSource
from hub.intelligence.sources.interface import (
    ONE_DOCUMENT,
    Enriched,
    FeedError,
    Member,
    Provides,
    SourceReport,
    VulnerabilitySource,
)

KEEP = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "dueDate",
    "knownRansomwareCampaignUse",
    "requiredAction",
)


class KevSource(VulnerabilitySource):
    source = IntelSource.KEV
    provides = Provides.ENRICHMENT
    order = 2
    reads = ONE_DOCUMENT
    upstream = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"

    @classmethod
    def enrich(cls, data: dict[str, Any], into: Enriched) -> None:
        if not into.known_exploited:
            into.known_exploited = True
            due = data.get("dueDate")
            into.exploited_due = str(due) if due else None

    def records(self, members: Iterator[Member], report: SourceReport) -> Iterator[IntelRecord]:
        for name, raw in members:
            try:
                catalog = json.loads(raw)
            except ValueError as exc:
                raise FeedError(f"{name}: the KEV catalog is not JSON: {exc}") from None
            entries = catalog.get("vulnerabilities") if isinstance(catalog, dict) else None
            if not isinstance(entries, list):
                raise FeedError(f"{name}: not a KEV catalog (no vulnerabilities list)")
            for n, entry in enumerate(entries):
                cve = entry.get("cveID") if isinstance(entry, dict) else None
                if not isinstance(cve, str) or not cve.startswith("CVE-"):
                    report.skipped.append((f"{name}#{n}", "entry without a cveID"))
                    continue
                report.read += 1
                yield IntelRecord.of(
                    IntelSource.KEV, cve, {k: entry[k] for k in KEEP if k in entry}
                )
