"""One SBOM document in, everything the hub needs out: format, validity, components,
document facts, NTIA quality and any VEX it carries.

The hot path stays close to `json.loads`: JSON is validated by jsonschema-rs on
the parsed dict and components are read from that same dict, never through an
object model (cyclonedx-python-lib's `Bom.from_json` is many times slower; see
docs/performance.md). Limits are checked as early as the format allows, so an
oversized document costs little before it is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.model.relationship import RelationshipType

from hub.core import jsontext
from hub.core.errors import InvalidSubmission, PayloadTooLarge, UnsupportedMediaType
from hub.core.xml import parse_xml
from sbom import components as extract
from sbom import vex
from sbom.quality import DocumentFacts, Quality, assess
from sbom.spdx import parse_spdx
from sbom.validate import (
    ACCEPTED,
    XML_NAMESPACE,
    UnsupportedSbom,
    validate_cyclonedx_json,
    validate_cyclonedx_xml,
)

CYCLONEDX_JSON = "application/vnd.cyclonedx+json"
CYCLONEDX_XML = "application/vnd.cyclonedx+xml"
SPDX_JSON = "application/spdx+json"
SPDX_TAG_VALUE = "text/spdx"
MEDIA_TYPES = (CYCLONEDX_JSON, CYCLONEDX_XML, SPDX_JSON, SPDX_TAG_VALUE)
# Generic types a client may send; the document's own markers then decide.
SNIFFED = ("application/json", "application/xml", "text/xml", "text/plain", "")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_components: int


@dataclass(frozen=True)
class ParsedSbom:
    format: str  # CycloneDX | SPDX
    spec_version: str
    encoding: str  # json | xml | tag-value
    sha256: str
    size: int
    facts: DocumentFacts
    extracted: extract.Extracted
    quality: Quality
    vex: list[vex.VexClaim]


def sniff(data: bytes) -> str:
    """The official media type a document's content shows, for uploads without one."""
    head = data[:4096].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return CYCLONEDX_XML
    if head.startswith("{"):
        window = data[:65536]
        if b'"spdxVersion"' in window:
            return SPDX_JSON
        if b'"bomFormat"' in window:
            return CYCLONEDX_JSON
        # Tools that sort keys put spdxVersion after a long packages list (Trivy): the
        # document's own top-level keys decide.
        return _json_kind(_load_json(data))
    if "SPDXVersion:" in head:
        return SPDX_TAG_VALUE
    raise UnsupportedMediaType(
        "cannot tell the SBOM format from the content: it is neither JSON, XML nor SPDX"
        f" tag-value; {ACCEPTED}",
        hint=f"send it with one of the media types {', '.join(MEDIA_TYPES)}",
    )


def _json_kind(doc: Any) -> str:
    if isinstance(doc, dict) and "spdxVersion" in doc:
        return SPDX_JSON
    if isinstance(doc, dict) and "bomFormat" in doc:
        return CYCLONEDX_JSON
    if isinstance(doc, dict) and ("@context" in doc or "@graph" in doc):
        return SPDX_JSON  # JSON-LD: SPDX 3, which the SPDX reader refuses by name
    raise UnsupportedSbom(
        "this JSON document is not an SBOM: it has neither bomFormat (CycloneDX) nor"
        f" spdxVersion (SPDX); {ACCEPTED}",
        hint="check that the file is the SBOM, not the tool's log or report",
    )


def media_type_of(declared: str, data: bytes) -> str:
    """The declared type when it is an SBOM type, the sniffed one when it is generic."""
    base = declared.split(";", 1)[0].strip().lower()
    if base in MEDIA_TYPES:
        return base
    if base in SNIFFED:
        return sniff(data)
    raise UnsupportedMediaType(
        f"{base} is not an SBOM media type",
        hint=f"use one of {', '.join(MEDIA_TYPES)}, or a multipart upload",
    )


def _too_many(count: int, limits: Limits) -> None:
    if count > limits.max_components:
        raise PayloadTooLarge(
            f"the SBOM lists {count} components, more than the limit of {limits.max_components}",
            hint="split it per product, or ask the operator to raise max_sbom_components",
        )


def _count_json(items: Any) -> int:
    count = 0
    stack = [items]
    while stack:
        level = stack.pop()
        if isinstance(level, list):
            count += len(level)
            stack += [c.get("components") for c in level if isinstance(c, dict)]
    return count


def _load_json(data: bytes) -> Any:
    try:
        # orjson, several times faster; what it refuses the standard library reads again,
        # and names line and column when it is no JSON at all.
        return jsontext.loads(data)
    except UnicodeDecodeError:
        raise InvalidSubmission("the SBOM is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidSubmission(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


Read = tuple[str, DocumentFacts, extract.Extracted, list[vex.VexClaim]]


def _cyclonedx_json(data: bytes, limits: Limits) -> Read:
    doc = _load_json(data)
    if isinstance(doc, dict) and "spdxVersion" in doc:
        raise UnsupportedMediaType(
            "this is an SPDX document sent as CycloneDX", hint=f"send it as {SPDX_JSON}"
        )
    if isinstance(doc, dict):
        _too_many(_count_json(doc.get("components")), limits)
    version = validate_cyclonedx_json(doc)
    metadata = doc.get("metadata") or {}
    main = metadata.get("component") or {}
    facts = DocumentFacts(
        serial_number=str(doc.get("serialNumber", "")),
        doc_version=int(doc.get("version", 1)),
        timestamp=str(metadata.get("timestamp", "")),
        has_author=any(
            metadata.get(k) for k in ("authors", "tools", "manufacture", "manufacturer", "supplier")
        ),
        dependencies=sum(bool(d.get("dependsOn")) for d in doc.get("dependencies") or []),
        subject_supplier=str(
            (
                metadata.get("supplier") or main.get("supplier") or main.get("manufacturer") or {}
            ).get("name", "")
        ),
        subject_name=str(main.get("name", "")),
        subject_version=str(main.get("version", "")),
        subject_purl=_safe_purl(main.get("purl")),
    )
    return version, facts, extract.from_cyclonedx_json(doc), vex.from_cyclonedx_json(doc)


def _safe_purl(value: Any) -> str:
    if not value:
        return ""
    try:
        return extract.canonical_purl(str(value))
    except ValueError:
        return ""


def _cyclonedx_xml(data: bytes, limits: Limits) -> Read:
    tree = parse_xml(data)
    root = tree.getroot()
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    _too_many(sum(1 for _ in root.iter(f"{{{namespace}}}component")), limits)
    version, tree = validate_cyclonedx_xml(data, tree)
    ns = {"c": f"{XML_NAMESPACE}{version}"}

    def text(path: str) -> str:
        found = root.find(path, ns)
        return (found.text or "").strip() if found is not None and found.text else ""

    metadata = root.find("c:metadata", ns)
    facts = DocumentFacts(
        serial_number=root.get("serialNumber", ""),
        doc_version=int(root.get("version", "1")),
        timestamp=text("c:metadata/c:timestamp"),
        has_author=metadata is not None
        and any(
            metadata.find(f"c:{k}", ns) is not None
            for k in ("authors", "tools", "manufacture", "manufacturer", "supplier")
        ),
        dependencies=sum(1 for d in root.iterfind("c:dependencies/c:dependency", ns) if len(d)),
        subject_supplier=text("c:metadata/c:supplier/c:name")
        or text("c:metadata/c:component/c:supplier/c:name"),
        subject_name=text("c:metadata/c:component/c:name"),
        subject_version=text("c:metadata/c:component/c:version"),
        subject_purl=_safe_purl(text("c:metadata/c:component/c:purl")),
    )
    return (
        version,
        facts,
        extract.from_cyclonedx_xml(tree, version),
        vex.from_cyclonedx_xml(tree, version),
    )


def _spdx(data: bytes, limits: Limits) -> Read:
    document: Document = parse_spdx(data)
    _too_many(len(document.packages), limits)
    info = document.creation_info
    described = {
        r.related_spdx_element_id
        for r in document.relationships
        if r.relationship_type == RelationshipType.DESCRIBES and r.spdx_element_id == info.spdx_id
    }
    main = next((p for p in document.packages if p.spdx_id in described), None)
    purl = ""
    if main is not None:
        purl = next(
            (_safe_purl(r.locator) for r in main.external_references if r.reference_type == "purl"),
            "",
        )
    facts = DocumentFacts(
        serial_number=info.document_namespace,
        doc_version=1,
        timestamp=info.created.isoformat() if info.created else "",
        has_author=bool(info.creators),
        dependencies=sum(
            1
            for r in document.relationships
            if r.relationship_type
            not in (RelationshipType.DESCRIBES, RelationshipType.DESCRIBED_BY)
        ),
        subject_supplier=str(getattr(main.supplier, "name", "") or "") if main else "",
        subject_name=main.name if main else "",
        subject_version=str(main.version or "") if main else "",
        subject_purl=purl,
    )
    return info.spdx_version.removeprefix("SPDX-"), facts, extract.from_spdx(document), []


_READERS = {
    CYCLONEDX_JSON: ("CycloneDX", "json", _cyclonedx_json),
    CYCLONEDX_XML: ("CycloneDX", "xml", _cyclonedx_xml),
    SPDX_JSON: ("SPDX", "json", _spdx),
    SPDX_TAG_VALUE: ("SPDX", "tag-value", _spdx),
}


def read_sbom(data: bytes, media_type: str, limits: Limits) -> ParsedSbom:
    """Validate and take apart one SBOM; every refusal is an InvalidSubmission (4xx)."""
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(
            f"the SBOM is {len(data)} bytes, more than the limit of {limits.max_bytes}",
            hint="ask the operator to raise max_sbom_bytes",
        )
    if not data.strip():
        raise InvalidSubmission("the SBOM is empty")
    kind = media_type_of(media_type, data)
    fmt, encoding, reader = _READERS[kind]
    try:
        version, facts, extracted, claims = reader(data, limits)
    except UnicodeDecodeError:
        raise InvalidSubmission("the SBOM is not UTF-8 text") from None
    except (UnsupportedSbom, InvalidSubmission):
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise InvalidSubmission(f"the {fmt} document cannot be read: {exc}") from None
    return ParsedSbom(
        format=fmt,
        spec_version=version,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        facts=facts,
        extracted=extracted,
        quality=assess(extracted.coverage, facts),
        vex=claims,
    )


def read_vex(data: bytes, media_type: str, limits: Limits) -> tuple[str, list[vex.VexClaim]]:
    """A VEX document (OpenVEX, or CycloneDX carrying analyses): its digest and claims."""
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(f"the VEX document is more than {limits.max_bytes} bytes")
    digest = hashlib.sha256(data).hexdigest()
    head = data[:65536].decode("utf-8", "replace")
    if "openvex.dev/ns" in head:
        return digest, vex.from_openvex(_load_json(data))
    parsed = read_sbom(data, media_type, limits)
    if parsed.format != "CycloneDX":
        raise UnsupportedMediaType("VEX must be OpenVEX or CycloneDX")
    if not parsed.vex:
        raise InvalidSubmission("the CycloneDX document carries no vulnerability analysis")
    return digest, parsed.vex
