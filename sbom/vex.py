"""VEX claims out of CycloneDX (the `vulnerabilities[].analysis` of a BOM or a VEX BOM)
and OpenVEX documents, in one shape.

A claim names a vulnerability, the component it is about (a purl, or "" for the
document's subject as a whole) and an OpenVEX status. CycloneDX analysis states
map onto those statuses; statements that say nothing about exposure
(under_investigation, affected) are kept, so the finding shows them, but only
not_affected and fixed suppress a finding (hub.intelligence.findings).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hub.core.errors import InvalidSubmission
from sbom.components import canonical_purl

# CycloneDX analysis.state to OpenVEX status.
CYCLONEDX_STATES = {
    "resolved": "fixed",
    "resolved_with_pedigree": "fixed",
    "not_affected": "not_affected",
    "false_positive": "not_affected",
    "exploitable": "affected",
    "in_triage": "under_investigation",
}
OPENVEX_STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
OPENVEX_CONTEXT = "https://openvex.dev/ns"


@dataclass(frozen=True)
class VexClaim:
    vuln_id: str
    purl: str  # "" when the claim is about the subject as a whole
    state: str  # an OpenVEX status
    justification: str
    detail: str


def _purl_or_blank(value: str) -> str:
    if value.startswith("pkg:"):
        try:
            return canonical_purl(value)
        except ValueError:
            return ""
    return ""


def _resolve(ref: str, refs: Mapping[str, str]) -> str:
    """A bom-ref (or BOM-Link `urn:cdx:...#ref`) to the component's purl; "" for the subject."""
    local = ref.split("#", 1)[1] if ref.startswith("urn:cdx:") and "#" in ref else ref
    return refs.get(local) or _purl_or_blank(local)


def _bom_refs_json(doc: Mapping[str, Any]) -> dict[str, str]:
    refs: dict[str, str] = {}
    stack = list(doc.get("components") or [])
    while stack:
        c = stack.pop()
        if c.get("bom-ref") and c.get("purl"):
            refs[str(c["bom-ref"])] = _purl_or_blank(str(c["purl"]))
        stack += c.get("components") or []
    return refs


def from_cyclonedx_json(doc: Mapping[str, Any]) -> list[VexClaim]:
    if not doc.get("vulnerabilities"):
        return []  # most SBOMs: skip resolving every bom-ref
    refs = _bom_refs_json(doc)
    claims: list[VexClaim] = []
    for vuln in doc.get("vulnerabilities") or []:
        analysis = vuln.get("analysis") or {}
        state = CYCLONEDX_STATES.get(str(analysis.get("state", "")))
        if not vuln.get("id") or state is None:
            continue
        targets = [str(a.get("ref", "")) for a in vuln.get("affects") or []] or [""]
        claims += [
            VexClaim(
                str(vuln["id"]),
                _resolve(t, refs),
                state,
                str(analysis.get("justification", "")),
                str(analysis.get("detail", ""))[:2000],
            )
            for t in targets
        ]
    return claims


def from_cyclonedx_xml(tree: Any, version: str) -> list[VexClaim]:
    ns = {"c": f"http://cyclonedx.org/schema/bom/{version}"}
    root = tree.getroot()
    if root.find("c:vulnerabilities", ns) is None:
        return []

    def text(element: Any, path: str) -> str:
        found = element.find(path, ns)
        return (found.text or "").strip() if found is not None and found.text else ""

    refs = {
        str(c.get("bom-ref")): _purl_or_blank(text(c, "c:purl"))
        for c in root.iter(f"{{{ns['c']}}}component")
        if c.get("bom-ref") and text(c, "c:purl")
    }
    claims: list[VexClaim] = []
    for vuln in root.iterfind("c:vulnerabilities/c:vulnerability", ns):
        state = CYCLONEDX_STATES.get(text(vuln, "c:analysis/c:state"))
        vuln_id = text(vuln, "c:id")
        if not vuln_id or state is None:
            continue
        targets = [text(t, "c:ref") for t in vuln.iterfind("c:affects/c:target", ns)] or [""]
        claims += [
            VexClaim(
                vuln_id,
                _resolve(t, refs),
                state,
                text(vuln, "c:analysis/c:justification"),
                text(vuln, "c:analysis/c:detail")[:2000],
            )
            for t in targets
        ]
    return claims


def _openvex_products(statement: Mapping[str, Any]) -> Iterator[str]:
    """The purls a statement is about: subcomponents when given, else the products."""
    products = statement.get("products") or []
    if not isinstance(products, list):
        raise InvalidSubmission("OpenVEX statement products must be a list")
    if not products:
        yield ""
    for product in products:
        if isinstance(product, str):
            yield _purl_or_blank(product)
            continue
        subs = [s.get("@id", "") for s in product.get("subcomponents") or [] if isinstance(s, dict)]
        if subs:
            yield from (_purl_or_blank(str(s)) for s in subs)
        else:
            purl = (product.get("identifiers") or {}).get("purl") or product.get("@id", "")
            yield _purl_or_blank(str(purl))


def from_openvex(doc: Any) -> list[VexClaim]:
    """Every (vulnerability, component) an OpenVEX document speaks of; checks its shape."""
    if not isinstance(doc, Mapping) or not str(doc.get("@context", "")).startswith(OPENVEX_CONTEXT):
        raise InvalidSubmission(f"not an OpenVEX document: @context must start {OPENVEX_CONTEXT}")
    statements = doc.get("statements")
    if not isinstance(statements, list) or not statements:
        raise InvalidSubmission("OpenVEX document has no statements")
    claims: list[VexClaim] = []
    for n, statement in enumerate(statements):
        where = f"/statements/{n}"
        if not isinstance(statement, Mapping):
            raise InvalidSubmission(f"{where}: a statement must be an object")
        vuln = statement.get("vulnerability")
        vuln_id = vuln.get("name") or vuln.get("@id") if isinstance(vuln, Mapping) else vuln
        status = statement.get("status")
        if not isinstance(vuln_id, str) or not vuln_id:
            raise InvalidSubmission(f"{where}/vulnerability: names no vulnerability")
        if status not in OPENVEX_STATUSES:
            raise InvalidSubmission(
                f"{where}/status: {status!r} is not one of {', '.join(OPENVEX_STATUSES)}"
            )
        justification = str(statement.get("justification", ""))
        if status == "not_affected" and not (justification or statement.get("impact_statement")):
            raise InvalidSubmission(
                f"{where}: not_affected needs a justification or an impact_statement"
            )
        detail = str(
            statement.get("impact_statement")
            or statement.get("status_notes")
            or statement.get("action_statement")
            or ""
        )
        claims += [
            VexClaim(vuln_id, purl, str(status), justification, detail[:2000])
            for purl in _openvex_products(statement)
        ]
    return claims
