"""JVN iPedia, the Japanese vulnerability database, in its two published XML formats:
the JVNRSS feeds (`jvndb_new.rdf`, `jvndb_detail_YYYY.rdf`) and VULDEF documents
(the MyJVN API's `getVulnDetailInfo`).

JVN names affected products by CPE without machine-readable version ranges, so
its entries do not create findings on their own (that would flood analysts
with false positives). They enrich findings instead: one record per CVE, with
the JVNDB id (shown as an alias), the Japanese title and the CVSS vectors that
rate a finding whose OSV advisory carries none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.core.errors import InvalidSubmission
from hub.core.records.intel import IntelRecord, IntelSource
from hub.core.xml import parse_xml
from hub.intelligence.sources.interface import (
    ANYWHERE,
    Enriched,
    Member,
    Provides,
    SourceReport,
    VulnerabilitySource,
)

RSS = "http://purl.org/rss/1.0/"
SEC = "http://jvn.jp/rss/mod_sec/3.0/"
DCTERMS = "http://purl.org/dc/terms/"
VULDEF = "http://jvn.jp/vuldef/"


def _text(element: Any) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _from_rss(root: Any) -> Iterator[dict[str, Any]]:
    for item in root.iter(f"{{{RSS}}}item"):
        refs = item.findall(f"{{{SEC}}}references")
        yield {
            "id": _text(item.find(f"{{{SEC}}}identifier")),
            "title": _text(item.find(f"{{{RSS}}}title")),
            "cves": sorted({r.get("id", "") for r in refs if r.get("id", "").startswith("CVE-")}),
            "cvss": [
                c.get("vector", "")
                for c in item.findall(f"{{{SEC}}}cvss")
                if c.get("vector", "").startswith("CVSS:")
            ],
            "cpes": sorted({_text(c) for c in item.findall(f"{{{SEC}}}cpe")}),
            "modified": _text(item.find(f"{{{DCTERMS}}}modified")),
        }


def _from_vuldef(root: Any) -> Iterator[dict[str, Any]]:
    v = f"{{{VULDEF}}}"
    for info in root.iter(f"{v}Vulinfo"):
        data = info.find(f"{v}VulinfoData")
        if data is None:
            continue
        related = data.findall(f"{v}Related/{v}RelatedItem/{v}VulinfoID")
        yield {
            "id": _text(info.find(f"{v}VulinfoID")),
            "title": _text(data.find(f"{v}Title")),
            "cves": sorted({_text(r) for r in related if _text(r).startswith("CVE-")}),
            "cvss": [
                _text(c)
                for c in data.findall(f"{v}Impact/{v}Cvss/{v}Vector")
                if _text(c).startswith("CVSS:")
            ],
            "cpes": sorted({_text(c) for c in data.findall(f"{v}Affected/{v}AffectedItem/{v}Cpe")}),
            "modified": _text(data.find(f"{v}DateLastUpdated")),
        }


class JvnSource(VulnerabilitySource):
    source = IntelSource.JVN
    provides = Provides.ENRICHMENT
    order = 1
    reads = ANYWHERE
    upstream = "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"

    @classmethod
    def enrich(cls, data: dict[str, Any], into: Enriched) -> None:
        into.aliases.add(str(data["id"]))
        if not into.summary:
            into.summary = str(data.get("title", ""))
        into.vectors += [str(v) for v in data.get("cvss", [])]

    def records(self, members: Iterator[Member], report: SourceReport) -> Iterator[IntelRecord]:
        for name, raw in members:
            try:
                root = parse_xml(raw).getroot()
            except InvalidSubmission as exc:
                report.skipped.append((name, exc.message))
                continue
            if root.tag == f"{{{VULDEF}}}VULDEF-Document":
                entries = _from_vuldef(root)
            elif root.tag.endswith("}RDF"):
                entries = _from_rss(root)
            else:
                report.skipped.append((name, f"neither JVNRSS nor VULDEF: root {root.tag}"))
                continue
            for entry in entries:
                if not entry["id"].startswith("JVNDB-"):
                    report.skipped.append((name, "entry without a JVNDB identifier"))
                    continue
                report.read += 1
                for key in entry["cves"] or [entry["id"]]:
                    yield IntelRecord.of(IntelSource.JVN, key, entry)
