"""Documents for SBOM, VEX and feed tests, built in code so each test shows what it feeds in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DJANGO_CVE = "CVE-2023-46695"
DJANGO_GHSA = "GHSA-qmf9-6jqf-j8fq"
ROUTER_PURL = "pkg:generic/acme/router@7.1"
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
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": serial,
        "version": version,
        "metadata": {
            "timestamp": "2026-11-01T09:00:00Z",
            "authors": [{"name": "Agency A build pipeline"}],
            "component": subject or PORTAL,
        },
        "components": [
            {
                "type": "library",
                "bom-ref": purl,
                "name": name,
                "version": ver,
                "purl": purl,
                "supplier": {"name": "upstream"},
            }
            for name, ver, purl in components
        ],
        "dependencies": [
            {
                "ref": subject.get("bom-ref", "root") if subject else "root",
                "dependsOn": [p for _, _, p in components],
            }
        ],
    }
    if vulnerabilities:
        doc["vulnerabilities"] = vulnerabilities
    return json.dumps(doc).encode()


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
