"""The supply side of the domain: supplier products, SBOMs, deployments and VEX statements.

An SBOM describes either one system (what an agency runs) or one supplier product
(what a vendor ships). A `Deployment` says a system runs a product, so the
product's findings reach every system and asset that runs it. Ids derive from
natural keys, like everything in `hub.core.model`, so a replayed submission is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.core.errors import InvalidSubmission
from hub.core.model import VexState, clean_name, derive_id


@dataclass(frozen=True)
class Product:
    """A supplier's product at one version, as its SBOM names it."""

    id: str
    supplier: str
    name: str
    version: str
    purl: str  # the product's own purl when its SBOM gives one; joins it to host inventory
    created_at: datetime
    # The organization that may replace the product's SBOM: its first submitter's agency,
    # "" for the operator's. Written before owners existed: the first SBOM's (SbomDesk).
    org_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplier", clean_name(self.supplier, "product supplier"))
        object.__setattr__(self, "name", clean_name(self.name, "product name"))
        object.__setattr__(self, "version", clean_name(self.version, "product version"))

    @staticmethod
    def key_id(supplier: str, name: str, version: str) -> str:
        return derive_id(
            "product",
            clean_name(supplier, "product supplier").casefold(),
            clean_name(name, "product name").casefold(),
            clean_name(version, "product version"),
        )


@dataclass(frozen=True)
class SbomRecord:
    """One submitted SBOM, without its components (kept as a package list beside it).

    `subject` is "system:<id>" or "product:<id>"; `current` marks the newest SBOM of
    its subject, older ones stay as history. `matched` is false from the moment the SBOM
    is stored until its findings are brought up to date: a hub that dies in between finds
    it so on restart (`SbomDesk.finish_pending`) and finishes the work.
    """

    id: str
    subject: str
    org_id: str
    format: str  # CycloneDX | SPDX
    spec_version: str
    encoding: str  # json | xml | tag-value
    serial_number: str
    doc_version: int
    sha256: str
    size: int
    components: int
    unidentified: int
    quality: float  # 0-100 against the NTIA minimum elements
    missing: tuple[str, ...]
    submitted_by: str
    submitted_at: datetime
    current: bool
    matched: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "missing", tuple(self.missing))
        if not self.subject.startswith(("system:", "product:")):
            raise InvalidSubmission(f"SBOM subject {self.subject!r} is not a system or product")

    @staticmethod
    def key_id(subject: str, serial_number: str, doc_version: int, sha256: str) -> str:
        """Serial number and version when the document has them, else its bytes' digest."""
        if serial_number:
            return derive_id("sbom", subject, serial_number, str(doc_version))
        return derive_id("sbom", subject, "sha256", sha256)

    @property
    def subject_kind(self) -> str:
        return self.subject.split(":", 1)[0]

    @property
    def subject_id(self) -> str:
        return self.subject.split(":", 1)[1]


@dataclass(frozen=True)
class Deployment:
    """A system declares that it runs a supplier product."""

    id: str
    org_id: str
    system_id: str
    product_id: str
    created_at: datetime

    @staticmethod
    def key_id(system_id: str, product_id: str) -> str:
        return derive_id("deployment", system_id, product_id)


@dataclass(frozen=True)
class VexStatement:
    """A supplier's or agency's word on one vulnerability in one component of a subject.

    `purl` empty means every component of the subject; `subject` is "system:<id>",
    "product:<id>", or "*" for a statement about the component wherever it runs.
    """

    id: str
    subject: str
    org_id: str
    vuln_id: str
    purl: str
    state: VexState
    justification: str
    detail: str
    source: str  # the VEX document it came from: its id or digest
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", VexState(self.state))
        clean_name(self.vuln_id, "VEX vulnerability")

    @staticmethod
    def key_id(subject: str, vuln_id: str, purl: str) -> str:
        """One statement per (subject, vulnerability, component): a newer one replaces it."""
        return derive_id("vex", subject, vuln_id, purl)

    def covers(self, subject: str, purl: str, ids: frozenset[str]) -> bool:
        if self.subject not in ("*", subject) or self.vuln_id not in ids:
            return False
        return not self.purl or _same_package(self.purl, purl)


def _same_package(stated: str, actual: str) -> bool:
    """A statement's purl without a version covers every version; qualifiers never matter."""
    stated_base = stated.split("?", 1)[0].split("#", 1)[0]
    actual_base = actual.split("?", 1)[0].split("#", 1)[0]
    if "@" in stated_base:
        return stated_base == actual_base
    return actual_base.split("@", 1)[0] == stated_base
