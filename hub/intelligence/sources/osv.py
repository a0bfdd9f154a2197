"""OSV advisories: JSON or YAML files, from a directory (a clone of an advisory database),
a zip archive (osv.dev's per-ecosystem `all.zip`), or either over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from hub.core.records.intel import IntelRecord, IntelSource
from hub.intelligence.advisory import Advisory, MalformedAdvisory, parse_osv
from hub.intelligence.sources.interface import (
    ANYWHERE,
    Member,
    Provides,
    SourceReport,
    VulnerabilitySource,
)
from hub.intelligence.sources.locations import DirectoryLocation

SUFFIXES = (".json", ".yaml", ".yml")


def _json_safe(doc: object) -> Any:
    """YAML reads timestamps as datetimes; the store keeps JSON, so they become ISO text."""
    return json.loads(
        json.dumps(doc, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    )


class OsvSource(VulnerabilitySource):
    source = IntelSource.OSV
    provides = Provides.ADVISORIES
    order = 0
    reads = ANYWHERE
    upstream = "https://osv-vulnerabilities.storage.googleapis.com/all.zip"

    def records(self, members: Iterator[Member], report: SourceReport) -> Iterator[IntelRecord]:
        for name, raw in members:
            if not name.endswith(SUFFIXES):
                continue
            try:
                doc = json.loads(raw) if name.endswith(".json") else _json_safe(yaml.safe_load(raw))
                advisory = parse_osv(doc)
            except (ValueError, yaml.YAMLError, MalformedAdvisory) as exc:
                report.skipped.append((name, str(exc)[:300]))
                continue
            report.read += 1
            yield IntelRecord.of(IntelSource.OSV, advisory.id, doc)


class OsvDirectorySource:
    """Parsed advisories straight from a directory, for tests and benchmarks that need no store."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def advisories(self, report: SourceReport) -> Iterator[Advisory]:
        payload = DirectoryLocation(self.root).fetch("")
        assert payload is not None  # only an unchanged tree gives None, and "" matches none
        for record in OsvSource().records(payload.members(), report):
            yield parse_osv(record.data)
