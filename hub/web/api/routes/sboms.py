"""SBOM intake and history for systems and supplier products, deployments and VEX."""

from __future__ import annotations

from hub.core.auth import Action, Principal
from hub.core.errors import NotFound
from hub.core.records.supply import SbomRecord
from hub.web.api.endpoint import Call, Document, Router
from hub.web.api.sbom_schemas import (
    ComponentChangeOut,
    DeploymentIn,
    DeploymentOut,
    DiffOut,
    DiffQuery,
    FindingTally,
    ProductOut,
    ProductPage,
    ProductSbomQuery,
    QualityOut,
    SbomOut,
    SbomPage,
    SkippedOut,
    SubmissionOut,
    UnmatchedOut,
    UnmatchedPage,
    VexOut,
    VexStatementOut,
    VulnChangeOut,
)
from hub.web.api.schemas import PackageOut, PackagePage, PageQuery
from sbom.desk import RematchReport, SbomDesk, Submission
from sbom.intake import MEDIA_TYPES

router = Router("sboms")
VEX_TYPES = ("application/json", "application/vnd.cyclonedx+json", "application/vnd.cyclonedx+xml")


def _desk(call: Call) -> SbomDesk:
    return SbomDesk(call.store, call.hub.settings)


def sbom_out(r: SbomRecord, who: Principal | None = None) -> SbomOut:
    """Another agency's product SBOM is readable (every agency may run the product), but
    not who uploaded it: the uploading organization and token stay with their owner."""
    shown = {**r.__dict__, "quality": QualityOut(score=r.quality, missing=list(r.missing))}
    if who is not None and who.scoped and who.org_id != r.org_id:
        shown |= {"org_id": "", "submitted_by": ""}
    return SbomOut.model_validate(shown)


def _submission(s: Submission, who: Principal) -> SubmissionOut:
    skipped = s.parsed.extracted.skipped if s.parsed is not None else []
    return SubmissionOut(
        sbom=sbom_out(s.record, who),
        changed=s.changed,
        product=None if s.product is None else ProductOut.model_validate(s.product),
        unidentified=[SkippedOut.model_validate(k) for k in skipped[:100]],
        findings=FindingTally.model_validate(s.findings) if s.findings else None,
        unmatched=len(s.unmatched),
        not_matched=[UnmatchedOut(purl=k.purl, reason=k.reason) for k in s.unmatched[:1000]],
    )


def _tally(r: RematchReport) -> FindingTally:
    return FindingTally(scopes=r.scopes, opened=r.opened, fixed=r.fixed)


@router.route(
    "POST",
    "/systems/<system_id>/sboms",
    summary="Submit a system's SBOM (CycloneDX 1.2-1.6 JSON/XML, SPDX 2.2/2.3 JSON/tag-value)",
    document=MEDIA_TYPES,
    response=SubmissionOut,
    statuses=(201, 200),
    errors=(404,),
    needs=Action.WRITE_INVENTORY,
)
def submit_system_sbom(call: Call, system_id: str) -> tuple[SubmissionOut, int]:
    doc: Document = call.body
    out = _desk(call).submit_for_system(
        call.who, system_id, doc.data, doc.media_type, call.request_id
    )
    return _submission(out, call.who), 201 if out.changed else 200


@router.route(
    "GET",
    "/systems/<system_id>/sboms",
    summary="A system's SBOMs, oldest first; the last current one is in force",
    response=SbomPage,
    errors=(404,),
    needs=Action.READ,
)
def list_system_sboms(call: Call, system_id: str) -> SbomPage:
    system = call.registry.system(call.who, system_id)
    return SbomPage(items=[sbom_out(r) for r in _desk(call).history(f"system:{system.id}")])


@router.route(
    "POST",
    "/products/sboms",
    summary="Submit a supplier product's SBOM; the product is named by its metadata",
    document=MEDIA_TYPES,
    query=ProductSbomQuery,
    response=SubmissionOut,
    statuses=(201, 200),
    needs=Action.WRITE_INVENTORY,
)
def submit_product_sbom(call: Call) -> tuple[SubmissionOut, int]:
    doc: Document = call.body
    q: ProductSbomQuery = call.query
    out = _desk(call).submit_for_product(
        call.who,
        doc.data,
        doc.media_type,
        call.request_id,
        supplier=q.supplier,
        name=q.name,
        version=q.version,
    )
    return _submission(out, call.who), 201 if out.changed else 200


@router.route(
    "GET",
    "/products",
    summary="Supplier products",
    query=PageQuery,
    response=ProductPage,
    needs=Action.READ,
)
def list_products(call: Call) -> ProductPage:
    q: PageQuery = call.query
    items = call.store.list_products(after=q.after, limit=q.limit)
    return ProductPage(
        items=[ProductOut.model_validate(p) for p in items],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "GET",
    "/products/<product_id>",
    summary="One product",
    response=ProductOut,
    errors=(404,),
    needs=Action.READ,
)
def get_product(call: Call, product_id: str) -> ProductOut:
    product = call.store.get_product(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return ProductOut.model_validate(product)


@router.route(
    "GET",
    "/products/<product_id>/sboms",
    summary="A product's SBOMs, oldest first",
    response=SbomPage,
    errors=(404,),
    needs=Action.READ,
)
def list_product_sboms(call: Call, product_id: str) -> SbomPage:
    get_product(call, product_id)
    history = _desk(call).history(f"product:{product_id}")
    return SbomPage(items=[sbom_out(r, call.who) for r in history])


@router.route(
    "GET",
    "/sboms/<sbom_id>",
    summary="One SBOM",
    response=SbomOut,
    errors=(404,),
    needs=Action.READ,
)
def get_sbom(call: Call, sbom_id: str) -> SbomOut:
    return sbom_out(_desk(call).sbom(call.who, sbom_id), call.who)


@router.route(
    "GET",
    "/sboms/<sbom_id>/unmatched",
    summary="Components (or advisory ranges) the matcher could not judge, each with why",
    response=UnmatchedPage,
    errors=(404,),
    needs=Action.READ,
)
def list_sbom_unmatched(call: Call, sbom_id: str) -> UnmatchedPage:
    skipped = _desk(call).unmatched(call.who, sbom_id)
    return UnmatchedPage(items=[UnmatchedOut(purl=k.purl, reason=k.reason) for k in skipped])


@router.route(
    "GET",
    "/sboms/<sbom_id>/components",
    summary="The SBOM's identified components, by purl",
    response=PackagePage,
    errors=(404,),
    needs=Action.READ,
)
def list_sbom_components(call: Call, sbom_id: str) -> PackagePage:
    record = _desk(call).sbom(call.who, sbom_id)
    items = call.store.list_sbom_packages(record.id)
    return PackagePage(items=[PackageOut.model_validate(p) for p in items])


@router.route(
    "GET",
    "/sboms/<sbom_id>/diff",
    summary="Components added, removed and changed, vulnerabilities introduced and fixed",
    query=DiffQuery,
    response=DiffOut,
    errors=(404,),
    needs=Action.READ,
)
def diff_sboms(call: Call, sbom_id: str) -> DiffOut:
    q: DiffQuery = call.query
    d = _desk(call).diff(call.who, q.against, sbom_id)
    return DiffOut(
        old=sbom_out(d.old, call.who),
        new=sbom_out(d.new, call.who),
        added=[PackageOut.model_validate(p) for p in d.added],
        removed=[PackageOut.model_validate(p) for p in d.removed],
        changed=[
            ComponentChangeOut(
                old=PackageOut.model_validate(c.old), new=PackageOut.model_validate(c.new)
            )
            for c in d.changed
        ],
        introduced=[VulnChangeOut(vuln_id=v, purl=p) for v, p in d.introduced],
        fixed=[VulnChangeOut(vuln_id=v, purl=p) for v, p in d.fixed],
    )


@router.route(
    "POST",
    "/systems/<system_id>/products",
    summary="Declare that a system runs a supplier product (idempotent)",
    body=DeploymentIn,
    response=DeploymentOut,
    statuses=(201, 200),
    errors=(404,),
    needs=Action.WRITE_INVENTORY,
)
def deploy_product(call: Call, system_id: str) -> tuple[DeploymentOut, int]:
    b: DeploymentIn = call.body
    out = _desk(call).deploy(call.who, system_id, b.product_id, call.request_id)
    return DeploymentOut.model_validate(out.value), 201 if out.changed else 200


def _vex(call: Call, subject: str) -> tuple[VexOut, int]:
    doc: Document = call.body
    statements, changed, report = _desk(call).submit_vex(
        call.who, subject, doc.data, doc.media_type, call.request_id
    )
    out = VexOut(
        changed=changed,
        statements=[
            VexStatementOut.model_validate({**s.__dict__, "state": s.state.value})
            for s in statements
        ],
        findings=_tally(report),
    )
    return out, 201 if changed else 200


@router.route(
    "POST",
    "/systems/<system_id>/vex",
    summary="VEX (OpenVEX, or CycloneDX analyses) about a system's components",
    document=VEX_TYPES,
    response=VexOut,
    statuses=(201, 200),
    errors=(404,),
    needs=Action.WRITE_INVENTORY,
)
def submit_system_vex(call: Call, system_id: str) -> tuple[VexOut, int]:
    return _vex(call, f"system:{system_id}")


@router.route(
    "POST",
    "/products/<product_id>/vex",
    summary="A supplier's VEX for a product: holds for every system that runs it",
    document=VEX_TYPES,
    response=VexOut,
    statuses=(201, 200),
    errors=(404,),
    needs=Action.MANAGE_PRODUCTS,
)
def submit_product_vex(call: Call, product_id: str) -> tuple[VexOut, int]:
    return _vex(call, f"product:{product_id}")
