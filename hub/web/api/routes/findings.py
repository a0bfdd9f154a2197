"""Findings: one vulnerability in one component of a system or asset, with its evidence."""

from __future__ import annotations

from hub.core.auth import Action
from hub.core.errors import NotFound
from hub.core.model import Finding
from hub.intelligence.findings import with_last_report
from hub.web.api.endpoint import Call, Router
from hub.web.api.sbom_schemas import FindingOut, FindingPage, FindingQuery

router = Router("findings")


def finding_out(f: Finding) -> FindingOut:
    return FindingOut.model_validate(
        {**f.__dict__, "aliases": list(f.aliases), "fixed_in": list(f.fixed_in)}
    )


@router.route(
    "GET",
    "/findings",
    summary="Findings visible to the token",
    query=FindingQuery,
    response=FindingPage,
    needs=Action.READ,
)
def list_findings(call: Call) -> FindingPage:
    who = call.who
    q: FindingQuery = call.query
    # A filter on another agency's system or asset answers as an unknown one does (404),
    # never an empty page that would confirm it exists.
    if q.system_id is not None:
        call.registry.system(who, q.system_id)
    if q.asset_id:
        call.registry.asset(who, q.asset_id)
    items = call.store.list_findings(
        org_id=who.org_filter(q.org_id),
        system_id=q.system_id,
        asset_id=q.asset_id,
        product_id=q.product_id,
        vuln_id=q.vuln_id,
        status=q.status,
        after=q.after,
        limit=q.limit,
    )
    return FindingPage(
        items=[finding_out(f) for f in with_last_report(call.store, items)],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "GET",
    "/findings/<finding_id>",
    summary="One finding",
    response=FindingOut,
    errors=(404,),
    needs=Action.READ,
)
def get_finding(call: Call, finding_id: str) -> FindingOut:
    f = call.store.get_finding(finding_id)
    if f is None or not call.who.sees_org(f.org_id):
        raise NotFound(f"no finding {finding_id}")
    return finding_out(next(with_last_report(call.store, [f])))
