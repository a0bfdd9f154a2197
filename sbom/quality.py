"""How complete an SBOM is, against the NTIA minimum elements (2021).

Seven elements: per component, its supplier, name, version and a unique
identifier; per document, dependency relationships, an author and a timestamp.
Each element scores the share of components (or 0/1 for the document) that has
it; the score is their mean on 0 to 100. Agencies see exactly what to fix in
`missing`, which names every element that is not complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from sbom.components import Coverage

ELEMENTS = (
    "supplier",
    "name",
    "version",
    "unique identifier",
    "dependency relationships",
    "author",
    "timestamp",
)


@dataclass(frozen=True)
class DocumentFacts:
    """What a document says about itself, whatever its format."""

    serial_number: str  # CycloneDX serialNumber, SPDX documentNamespace
    doc_version: int
    timestamp: str
    has_author: bool
    dependencies: int  # relationships between components declared
    subject_supplier: str
    subject_name: str
    subject_version: str
    subject_purl: str


@dataclass(frozen=True)
class Quality:
    score: float
    missing: tuple[str, ...]


def assess(coverage: Coverage, facts: DocumentFacts) -> Quality:
    total = coverage.total
    per_component = {
        "supplier": coverage.supplier,
        "name": coverage.name,
        "version": coverage.version,
        "unique identifier": coverage.identified,
    }
    ratios: list[float] = []
    missing: list[str] = []
    for element, have in per_component.items():
        ratios.append(have / total if total else 0.0)
        if total == 0:
            missing.append(f"{element}: the document lists no components")
        elif have < total:
            missing.append(f"{element}: {total - have} of {total} components lack it")
    for element, present in (
        ("dependency relationships", facts.dependencies > 0),
        ("author", facts.has_author),
        ("timestamp", bool(facts.timestamp)),
    ):
        ratios.append(1.0 if present else 0.0)
        if not present:
            missing.append(element)
    return Quality(round(100 * sum(ratios) / len(ratios), 1), tuple(missing))
