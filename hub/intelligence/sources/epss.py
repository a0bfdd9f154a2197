"""FIRST EPSS scores: the daily CSV (`cve,epss,percentile`, after a `#model_version` line),
gzipped or not. The score date is left out of each record, so a CVE whose score
did not move costs nothing on the next day's sync."""

from __future__ import annotations

import csv
import io
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


class EpssSource(VulnerabilitySource):
    source = IntelSource.EPSS
    provides = Provides.ENRICHMENT
    order = 3
    reads = ONE_DOCUMENT
    upstream = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"

    @classmethod
    def enrich(cls, data: dict[str, Any], into: Enriched) -> None:
        score = float(data["epss"])
        into.epss = score if into.epss is None else max(into.epss, score)

    def records(self, members: Iterator[Member], report: SourceReport) -> Iterator[IntelRecord]:
        for name, raw in members:
            lines = io.StringIO(raw.decode("utf-8-sig"))
            first = lines.readline()
            if not first.startswith("#"):
                lines.seek(0)
            reader = csv.DictReader(lines)
            if reader.fieldnames is None or not {"cve", "epss"} <= set(reader.fieldnames):
                raise FeedError(f"{name}: not an EPSS file (needs columns cve and epss)")
            for row in reader:
                try:
                    score = float(row["epss"])
                    percentile = float(row.get("percentile") or "nan")
                    if not row["cve"].startswith("CVE-") or not 0.0 <= score <= 1.0:
                        raise ValueError("bad CVE id or score")
                except (ValueError, TypeError) as exc:
                    report.skipped.append((f"{name}:{reader.line_num}", str(exc)))
                    continue
                report.read += 1
                data = {"epss": score}
                if percentile == percentile:  # not NaN
                    data["percentile"] = percentile
                yield IntelRecord.of(IntelSource.EPSS, row["cve"], data)
