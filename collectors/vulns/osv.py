"""OSV advisories from a directory of .json or .yaml files (an osv.dev export, or a clone
of an advisory database such as PyPA's or Go's)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import yaml

from collectors.vulns.interface import SourceReport, VulnerabilitySource
from sbom.advisory import Advisory, MalformedAdvisory, parse_osv

SUFFIXES = (".json", ".yaml", ".yml")


class OsvDirectorySource(VulnerabilitySource):
    name = "osv-directory"

    def __init__(self, root: Path) -> None:
        self.root = root

    def advisories(self, report: SourceReport) -> Iterator[Advisory]:
        for path in sorted(self.root.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            try:
                raw = path.read_bytes()
                doc = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
                advisory = parse_osv(doc)
            except (ValueError, yaml.YAMLError, MalformedAdvisory) as exc:
                report.skipped.append((str(path), str(exc)[:300]))
                continue
            report.read += 1
            yield advisory
