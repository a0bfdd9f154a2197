"""The components of a validated SBOM, each identified by a canonical purl.

A component without a purl gets one derived from its CPE (`pkg:generic/vendor/product`),
which identifies it for people and for CPE-keyed sources though no OSV ecosystem
knows it; one with neither is returned as skipped with the reason, so the intake
can report how much of an SBOM could not be identified.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from packageurl import PackageURL
from spdx_tools.spdx.model.document import Document

from sbom.validate import XML_NAMESPACE


@dataclass(frozen=True)
class Component:
    purl: str
    name: str
    version: str
    supplier: str
    derived_from: str  # "purl" or "cpe"


@dataclass(frozen=True)
class SkippedComponent:
    name: str
    version: str
    reason: str
    supplier: str = ""


@dataclass(frozen=True)
class Coverage:
    """How many of the document's components carry each NTIA per-component element."""

    total: int
    supplier: int
    name: int
    version: int
    identified: int


class Extracted(NamedTuple):
    components: list[Component]  # one per purl
    skipped: list[SkippedComponent]
    coverage: Coverage  # over every component entry, duplicates included


def canonical_purl(purl: str) -> str:
    """packageurl-python's canonical form: lower-case type, each type's name rules."""
    return PackageURL.from_string(purl.strip()).to_string()


def purl_from_cpe(cpe: str) -> str | None:
    """cpe:2.3:a:vendor:product:version:... (or cpe:/a:vendor:product:version) to a generic purl."""
    parts = cpe.split(":")
    if cpe.startswith("cpe:2.3:") and len(parts) >= 6:
        vendor, product, version = parts[3], parts[4], parts[5]
    elif cpe.startswith("cpe:/") and len(parts) >= 5:
        vendor, product, version = parts[2], parts[3], parts[4]
    else:
        return None
    if not product or version in ("", "*", "-"):
        return None
    namespace = None if vendor in ("", "*", "-") else vendor
    return PackageURL(
        type="generic", namespace=namespace, name=product, version=version
    ).to_string()


def _identify(
    name: str, version: str, supplier: str, purl: str | None, cpe: str | None
) -> Component | SkippedComponent:
    if purl:
        try:
            return Component(canonical_purl(purl), name, version, supplier, "purl")
        except ValueError as exc:
            if not cpe:
                return SkippedComponent(name, version, f"invalid purl {purl!r}: {exc}", supplier)
    if cpe:
        derived = purl_from_cpe(cpe)
        if derived:
            return Component(derived, name, version, supplier, "cpe")
        return SkippedComponent(
            name, version, f"CPE {cpe!r} names no product and version", supplier
        )
    return SkippedComponent(name, version, "no purl and no CPE", supplier)


def _split(found: Iterable[Component | SkippedComponent]) -> Extracted:
    components: dict[str, Component] = {}
    skipped: list[SkippedComponent] = []
    total = supplier = name = version = 0
    for item in found:
        total += 1
        supplier += bool(item.supplier)
        name += bool(item.name)
        version += bool(item.version)
        if isinstance(item, Component):
            components.setdefault(item.purl, item)
        else:
            skipped.append(item)
    coverage = Coverage(total, supplier, name, version, total - len(skipped))
    return Extracted(list(components.values()), skipped, coverage)


def _walk_json(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _walk_json(item.get("components") or [])


def from_cyclonedx_json(doc: dict[str, Any]) -> Extracted:
    """Every component, nested ones included, plus metadata.component, once per purl."""
    roots = list(doc.get("components") or [])
    main = (doc.get("metadata") or {}).get("component")
    if main:
        roots.append(main)
    return _split(
        _identify(
            str(c.get("name", "")),
            str(c.get("version", "")),
            str((c.get("supplier") or c.get("manufacturer") or {}).get("name", "")),
            c.get("purl"),
            c.get("cpe"),
        )
        for c in _walk_json(roots)
    )


def from_cyclonedx_xml(tree: Any, version: str) -> Extracted:
    ns = {"c": f"{XML_NAMESPACE}{version}"}

    def text(element: Any, tag: str) -> str:
        found = element.find(f"c:{tag}", ns)
        return (found.text or "").strip() if found is not None and found.text else ""

    def supplier(element: Any) -> str:
        found = element.find("c:supplier/c:name", ns)
        return (found.text or "").strip() if found is not None else ""

    return _split(
        _identify(
            text(c, "name"),
            text(c, "version"),
            supplier(c),
            text(c, "purl") or None,
            text(c, "cpe") or None,
        )
        for c in tree.getroot().iter(f"{{{ns['c']}}}component")
    )


def from_spdx(document: Document) -> Extracted:
    def refs(package: Any, kind: str) -> str | None:
        for ref in package.external_references:
            if ref.reference_type == kind:
                return str(ref.locator)
        return None

    return _split(
        _identify(
            p.name,
            str(p.version or ""),
            str(getattr(p.supplier, "name", "") or ""),
            refs(p, "purl"),
            refs(p, "cpe23Type") or refs(p, "cpe22Type"),
        )
        for p in document.packages
    )


__all__ = [
    "Component",
    "Coverage",
    "Extracted",
    "SkippedComponent",
    "canonical_purl",
    "from_cyclonedx_json",
    "from_cyclonedx_xml",
    "from_spdx",
    "purl_from_cpe",
]
