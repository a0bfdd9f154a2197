"""The triage queue: ranked remediation actions, with status, owner, comments and accepted
risks (hub.risk.triage)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from hub.core.auth import Action
from hub.core.fields import ClientInput, Reply
from hub.risk.triage import TriageDesk
from hub.web.api.endpoint import Call, Router

router = Router("triage")

Status = Literal["open", "in_progress", "done", "accepted_risk"]


class TriageQuery(ClientInput):
    status: Status | None = None
    kind: (
        Literal["upgrade", "mitigate", "configure", "sighting", "incident", "score", "sbom_missing",
                "feed_failed"]
        | None
    ) = None  # fmt: skip
    org_id: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class ActionOut(Reply):
    id: str
    rank: int
    key: str
    kind: str
    title: str = Field(description="what to do, where, and what it removes")
    target: str = Field(description="the version to upgrade to; '' when none closes it")
    points: float = Field(description="risk points the action removes from the scores")
    findings: int
    assets: int = Field(description="assets (and systems, for SBOM findings) affected")
    agencies: int
    kev_due: str | None
    due_in_days: int | None
    vulnerabilities: list[str]
    status: str
    owner: str
    comments: list[dict[str, Any]]
    accepted_until: str | None
    org_ids: list[str] | None = Field(default=None, description="not shown to agency users")
    playbook: str = Field(default="", description="the playbook that opened the item, if one did")


class TriagePage(Reply):
    items: list[ActionOut]
    total: int


class TriagePatch(ClientInput):
    status: Status | None = None
    owner: str | None = Field(default=None, max_length=200)
    comment: str | None = Field(default=None, max_length=4000)
    accepted_until: AwareDatetime | None = None
    reason: str = Field(default="", max_length=2000)


@router.route(
    "GET",
    "/triage",
    summary="Remediation actions, worst first, in the token's scope",
    query=TriageQuery,
    response=TriagePage,
    needs=Action.READ,
)
def list_actions(call: Call) -> TriagePage:
    q: TriageQuery = call.query
    rows = TriageDesk(call.store).queue(call.who, status=q.status, kind=q.kind, org_id=q.org_id)
    return TriagePage(items=[ActionOut(**r) for r in rows[: q.limit]], total=len(rows))


@router.route(
    "GET",
    "/triage/<action_id>",
    summary="One action",
    response=ActionOut,
    errors=(404,),
    needs=Action.READ,
)
def get_action(call: Call, action_id: str) -> ActionOut:
    return ActionOut(**TriageDesk(call.store).get(call.who, action_id))


@router.route(
    "PATCH",
    "/triage/<action_id>",
    summary="Set status or owner, comment, or accept the risk until a date",
    body=TriagePatch,
    response=ActionOut,
    errors=(404,),
    needs=Action.COMMENT,
)
def update_action(call: Call, action_id: str) -> ActionOut:
    body: TriagePatch = call.body
    row = TriageDesk(call.store).update(
        call.who,
        action_id,
        call.request_id,
        status=body.status,
        owner=body.owner,
        comment=body.comment,
        accepted_until=body.accepted_until,
        reason=body.reason,
    )
    return ActionOut(**row)
