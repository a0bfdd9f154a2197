"""Organizations: agencies, partners and the operator."""

from __future__ import annotations

from hub.core.auth import Action
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import OrganizationIn, OrganizationOut, OrganizationPage, OrganizationQuery

router = Router("organizations")


@router.route(
    "GET",
    "/organizations",
    summary="List organizations visible to the token",
    query=OrganizationQuery,
    response=OrganizationPage,
    needs=Action.READ,
)
def list_organizations(call: Call) -> OrganizationPage:
    q: OrganizationQuery = call.query
    ids = [call.who.org_id or ""] if call.who.scoped else None
    items = call.store.list_organizations(kind=q.kind, ids=ids, after=q.after, limit=q.limit)
    return OrganizationPage(
        items=[OrganizationOut.model_validate(o) for o in items],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "POST",
    "/organizations",
    summary="Create an organization (idempotent)",
    body=OrganizationIn,
    response=OrganizationOut,
    statuses=(201, 200),
    errors=(409,),
    needs=Action.WRITE_ORGANIZATIONS,
)
def create_organization(call: Call) -> tuple[OrganizationOut, int]:
    body: OrganizationIn = call.body
    out = call.registry.add_organization(call.who, body.name, body.kind, call.request_id)
    return OrganizationOut.model_validate(out.value), 201 if out.changed else 200


@router.route(
    "GET",
    "/organizations/<org_id>",
    summary="One organization",
    response=OrganizationOut,
    errors=(404,),
    needs=Action.READ,
)
def get_organization(call: Call, org_id: str) -> OrganizationOut:
    return OrganizationOut.model_validate(call.registry.organization(call.who, org_id))
