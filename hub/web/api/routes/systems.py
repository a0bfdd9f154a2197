"""Systems: what an agency runs, with the criticality and exposure that weigh its risk."""

from __future__ import annotations

from hub.core.auth import Action
from hub.web.api.endpoint import Call, Router, patch_changes
from hub.web.api.schemas import SystemIn, SystemOut, SystemPage, SystemPatch, SystemQuery

router = Router("systems")


@router.route(
    "GET",
    "/systems",
    summary="List systems visible to the token",
    query=SystemQuery,
    response=SystemPage,
    needs=Action.READ,
)
def list_systems(call: Call) -> SystemPage:
    who = call.who
    q: SystemQuery = call.query
    org_id = who.org_filter(q.org_id)
    items = call.store.list_systems(org_id=org_id, after=q.after, limit=q.limit)
    return SystemPage(
        items=[SystemOut.model_validate(s) for s in items],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "POST",
    "/systems",
    summary="Create a system in an agency (idempotent)",
    body=SystemIn,
    response=SystemOut,
    statuses=(201, 200),
    errors=(404, 409),
    needs=Action.WRITE_INVENTORY,
)
def create_system(call: Call) -> tuple[SystemOut, int]:
    b: SystemIn = call.body
    out = call.registry.add_system(
        call.who,
        b.org_id,
        b.name,
        b.criticality,
        b.internet_facing,
        b.description,
        call.request_id,
    )
    return SystemOut.model_validate(out.value), 201 if out.changed else 200


@router.route(
    "GET",
    "/systems/<system_id>",
    summary="One system",
    response=SystemOut,
    errors=(404,),
    needs=Action.READ,
)
def get_system(call: Call, system_id: str) -> SystemOut:
    return SystemOut.model_validate(call.registry.system(call.who, system_id))


@router.route(
    "PATCH",
    "/systems/<system_id>",
    summary="Change a system's settings",
    body=SystemPatch,
    response=SystemOut,
    errors=(404,),
    needs=Action.WRITE_INVENTORY,
)
def update_system(call: Call, system_id: str) -> SystemOut:
    out = call.registry.update_system(
        call.who, system_id, patch_changes(call.body), call.request_id
    )
    return SystemOut.model_validate(out.value)
