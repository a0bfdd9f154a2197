"""Documents for SBOM, VEX and feed tests, built in code so each test shows what it feeds in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.demo.threats import sbom_document

DJANGO_CVE = "CVE-2023-46695"
DJANGO_GHSA = "GHSA-qmf9-6jqf-j8fq"
ROUTER_PURL = "pkg:generic/acme/router@7.1"
# A supplier product: ACME's router firmware, as its SBOM's metadata.component names it.
ROUTER = {
    "type": "firmware",
    "name": "Router",
    "version": "7.1",
    "bom-ref": "router",
    "purl": ROUTER_PURL,
    "supplier": {"name": "ACME"},
}
PORTAL = {
    "type": "application",
    "name": "portal",
    "version": "3.2",
    "bom-ref": "root",
    "purl": "pkg:generic/agency-a/portal@3.2",
    "supplier": {"name": "Agency A"},
}


def cyclonedx(
    components: list[tuple[str, str, str]],
    *,
    serial: str = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    version: int = 1,
    spec: str = "1.6",
    subject: dict[str, Any] | None = None,
    vulnerabilities: list[dict[str, Any]] | None = None,
) -> bytes:
    """(name, version, purl) triples, each depending on nothing but listed as a dependency."""
    return sbom_document(
        components, subject=subject or PORTAL, serial=serial, version=version, spec=spec,
        author="Agency A build pipeline", vulnerabilities=vulnerabilities,
    )  # fmt: skip


def osv(
    vuln_id: str,
    ecosystem: str,
    name: str,
    introduced: str,
    fixed: str,
    *,
    aliases: tuple[str, ...] = (),
    vector: str = "",
    summary: str = "",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": vuln_id,
        "modified": "2026-10-01T00:00:00Z",
        "aliases": list(aliases),
        "summary": summary or f"{name} flaw",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    if vector:
        doc["severity"] = [{"type": "CVSS_V3", "score": vector}]
    return doc


def write_osv(folder: Path, *docs: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc['id']}.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def django_advisory() -> dict[str, Any]:
    return osv(
        DJANGO_GHSA,
        "PyPI",
        "django",
        "4.2",
        "4.2.7",
        aliases=(DJANGO_CVE,),
        vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        summary="Potential denial of service in NFKC normalization",
    )


def kev_catalog(*entries: tuple[str, str]) -> bytes:
    """(cve, due date) pairs in the CISA catalog's JSON shape."""
    return json.dumps(
        {
            "title": "CISA Catalog of Known Exploited Vulnerabilities",
            "catalogVersion": "2026.11.01",
            "count": len(entries),
            "vulnerabilities": [
                {
                    "cveID": cve,
                    "vendorProject": "x",
                    "product": "y",
                    "dateAdded": "2026-10-01",
                    "dueDate": due,
                    "knownRansomwareCampaignUse": "Unknown",
                }
                for cve, due in entries
            ],
        }
    ).encode()


def epss_csv(*rows: tuple[str, float]) -> bytes:
    lines = ["#model_version:v2025.03.14,score_date:2026-11-01T00:00:00Z", "cve,epss,percentile"]
    lines += [f"{cve},{score},0.5" for cve, score in rows]
    return ("\n".join(lines) + "\n").encode()


def openvex(vuln: str, purl: str, status: str, justification: str = "") -> bytes:
    statement: dict[str, Any] = {
        "vulnerability": {"name": vuln},
        "products": [{"@id": purl}],
        "status": status,
    }
    if justification:
        statement["justification"] = justification
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.gov/vex/1",
            "author": "Agency A",
            "timestamp": "2026-11-02T00:00:00Z",
            "version": 1,
            "statements": [statement],
        }
    ).encode()


JVN_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"><title>JVNDB</title></channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-000101.html">
    <title>requests における情報漏えいの脆弱性</title>
    <sec:identifier>JVNDB-2026-000101</sec:identifier>
    <sec:references source="CVE" id="CVE-2026-10001">https://www.cve.org/CVERecord?id=CVE-2026-10001</sec:references>
    <sec:references source="NVD" id="CVE-2026-10001">https://nvd.nist.gov/vuln/detail/CVE-2026-10001</sec:references>
    <sec:cpe version="2.2" vendor="Python" product="requests">cpe:/a:python:requests</sec:cpe>
    <sec:cvss version="3.0" score="9.1" type="Base" severity="Critical"
      vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N" />
    <dcterms:modified>2026-11-01T10:00+09:00</dcterms:modified>
  </item>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-000102.html">
    <title>国産ルーターにおける認証不備</title>
    <sec:identifier>JVNDB-2026-000102</sec:identifier>
    <sec:cvss version="3.0" score="5.3" type="Base" severity="Medium"
      vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N" />
  </item>
</rdf:RDF>
"""

JVN_VULDEF = """<?xml version="1.0" encoding="UTF-8"?>
<VULDEF-Document version="3.2" xmlns="http://jvn.jp/vuldef/" xml:lang="ja">
  <Vulinfo>
    <VulinfoID>JVNDB-2026-000201</VulinfoID>
    <VulinfoData>
      <Title>業務システム基盤における複数の脆弱性</Title>
      <Affected><AffectedItem><Name>ベンダ</Name><ProductName>基盤</ProductName>
        <Cpe version="2.2">cpe:/a:vendor:platform</Cpe></AffectedItem></Affected>
      <Impact>
        <Cvss version="2.0"><Severity type="Base">High</Severity><Base>7.5</Base>
          <Vector>AV:N/AC:L/Au:N/C:P/I:P/A:P</Vector></Cvss>
        <Cvss version="3.0"><Severity type="Base">High</Severity><Base>8.1</Base>
          <Vector>CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H</Vector></Cvss>
      </Impact>
      <Related>
        <RelatedItem type="advisory"><Name>CVE</Name>
          <VulinfoID>CVE-2026-20001</VulinfoID></RelatedItem>
        <RelatedItem type="advisory"><Name>CVE</Name>
          <VulinfoID>CVE-2026-20002</VulinfoID></RelatedItem>
        <RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-287</VulinfoID></RelatedItem>
      </Related>
      <DateLastUpdated>2026-11-02T12:00:00+09:00</DateLastUpdated>
    </VulinfoData>
  </Vulinfo>
</VULDEF-Document>
"""
