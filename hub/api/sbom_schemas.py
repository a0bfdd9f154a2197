"""Wire shapes of SBOM intake, products, VEX and findings."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.api.schemas import Id, PackageOut, PageQuery, Short, _In, _Out
from hub.model import FindingStatus, Severity


class QualityOut(_Out):
    score: float = Field(description="0-100 against the NTIA minimum elements")
    missing: list[str] = Field(description="elements that are not complete, with counts")


class SbomOut(_Out):
    id: str
    subject: str = Field(description="system:<id> or product:<id>")
    org_id: str
    format: str
    spec_version: str
    encoding: str
    serial_number: str
    doc_version: int
    sha256: str
    size: int
    components: int
    unidentified: int
    quality: QualityOut
    submitted_by: str = Field(
        description="who submitted it; empty on another agency's product SBOM"
    )
    submitted_at: datetime
    current: bool
    matched: bool = Field(description="false while its findings are still being brought up to date")


class ProductOut(_Out):
    id: str
    supplier: str
    name: str
    version: str
    purl: str
    created_at: datetime


class ProductPage(_Out):
    items: list[ProductOut]
    next: str | None


class SkippedOut(_Out):
    name: str
    version: str
    reason: str


class UnmatchedOut(_Out):
    purl: str
    reason: str = Field(description="why the component, or one advisory range, was not judged")


class FindingTally(_Out):
    scopes: int = Field(description="systems and assets the SBOM reaches")
    opened: int
    fixed: int


class SubmissionOut(_Out):
    sbom: SbomOut
    changed: bool = Field(description="false when this exact SBOM was submitted before")
    product: ProductOut | None
    unidentified: list[SkippedOut] = Field(description="first 100 unidentified components")
    findings: FindingTally | None
    unmatched: int = Field(description="components or advisory ranges no rules could judge")
    not_matched: list[UnmatchedOut] = Field(
        description="the first 1,000 of them, each with its reason"
    )


class SbomPage(_Out):
    items: list[SbomOut]


class UnmatchedPage(_Out):
    items: list[UnmatchedOut]


class ProductSbomQuery(_In):
    supplier: Short = ""
    name: Short = ""
    version: Short = ""


class ComponentChangeOut(_Out):
    old: PackageOut
    new: PackageOut


class VulnChangeOut(_Out):
    vuln_id: str
    purl: str


class DiffOut(_Out):
    old: SbomOut
    new: SbomOut
    added: list[PackageOut]
    removed: list[PackageOut]
    changed: list[ComponentChangeOut]
    introduced: list[VulnChangeOut]
    fixed: list[VulnChangeOut]


class DiffQuery(_In):
    against: Id = Field(description="the older SBOM's id")


class DeploymentIn(_In):
    product_id: Id


class DeploymentOut(_Out):
    id: str
    org_id: str
    system_id: str
    product_id: str
    created_at: datetime


class VexStatementOut(_Out):
    id: str
    subject: str
    vuln_id: str
    purl: str
    state: str
    justification: str
    detail: str
    source: str
    created_at: datetime


class VexOut(_Out):
    changed: bool
    statements: list[VexStatementOut]
    findings: FindingTally


class FindingQuery(PageQuery):
    org_id: Id | None = None
    system_id: Id | None = None
    asset_id: str | None = Field(default=None, description="'' for system-wide findings")
    product_id: str | None = None
    vuln_id: Short | None = None
    status: FindingStatus | None = None


class FindingOut(_Out):
    id: str
    org_id: str
    system_id: str
    asset_id: str
    product_id: str
    sbom_id: str
    purl: str
    vuln_id: str
    aliases: list[str]
    summary: str
    severity: Severity
    cvss: float | None
    kev: bool
    kev_due: str | None
    epss: float | None
    status: FindingStatus
    vex: str
    justification: str
    fixed_in: list[str]
    first_seen: datetime
    last_seen: datetime
    fixed_at: datetime | None


class FindingPage(_Out):
    items: list[FindingOut]
    next: str | None
