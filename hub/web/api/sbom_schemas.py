"""Wire shapes of SBOM intake, products, VEX and findings."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.core.fields import ClientInput, Id, Reply, Short
from hub.core.model import FindingStatus, Severity
from hub.web.api.schemas import PackageOut, PageQuery


class QualityOut(Reply):
    score: float = Field(description="0-100 against the NTIA minimum elements")
    missing: list[str] = Field(description="elements that are not complete, with counts")


class SbomOut(Reply):
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


class ProductOut(Reply):
    id: str
    supplier: str
    name: str
    version: str
    purl: str
    created_at: datetime


class ProductPage(Reply):
    items: list[ProductOut]
    next: str | None


class SkippedOut(Reply):
    name: str
    version: str
    reason: str


class UnmatchedOut(Reply):
    purl: str
    reason: str = Field(description="why the component, or one advisory range, was not judged")


class FindingTally(Reply):
    scopes: int = Field(description="systems and assets the SBOM reaches")
    opened: int
    fixed: int


class SubmissionOut(Reply):
    sbom: SbomOut
    changed: bool = Field(description="false when this exact SBOM was submitted before")
    product: ProductOut | None
    unidentified: list[SkippedOut] = Field(description="first 100 unidentified components")
    findings: FindingTally | None
    unmatched: int = Field(description="components or advisory ranges no rules could judge")
    not_matched: list[UnmatchedOut] = Field(
        description="the first 1,000 of them, each with its reason"
    )


class SbomPage(Reply):
    items: list[SbomOut]


class UnmatchedPage(Reply):
    items: list[UnmatchedOut]


class ProductSbomQuery(ClientInput):
    supplier: Short = ""
    name: Short = ""
    version: Short = ""


class ComponentChangeOut(Reply):
    old: PackageOut
    new: PackageOut


class VulnChangeOut(Reply):
    vuln_id: str
    purl: str


class DiffOut(Reply):
    old: SbomOut
    new: SbomOut
    added: list[PackageOut]
    removed: list[PackageOut]
    changed: list[ComponentChangeOut]
    introduced: list[VulnChangeOut]
    fixed: list[VulnChangeOut]


class DiffQuery(ClientInput):
    against: Id = Field(description="the older SBOM's id")


class DeploymentIn(ClientInput):
    product_id: Id


class DeploymentOut(Reply):
    id: str
    org_id: str
    system_id: str
    product_id: str
    created_at: datetime


class VexStatementOut(Reply):
    id: str
    subject: str
    vuln_id: str
    purl: str
    state: str
    justification: str
    detail: str
    source: str
    created_at: datetime


class VexOut(Reply):
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


class FindingOut(Reply):
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


class FindingPage(Reply):
    items: list[FindingOut]
    next: str | None
