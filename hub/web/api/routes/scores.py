"""Scores with their contributions, as recorded: now, or as of a past moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from hub.core.auth import Action
from hub.core.errors import Forbidden, NotFound
from hub.core.fields import ClientInput, Reply
from hub.core.model import utcnow
from hub.risk.scoring.compute import score_as_of
from hub.web.api.endpoint import Call, Router

router = Router("scores")


class ScoreQuery(ClientInput):
    as_of: AwareDatetime | None = Field(default=None, description="default: now")


class ScoreOut(Reply):
    subject: str
    kind: str
    org_id: str
    points: float = Field(description="additive risk points; the sum of the contributions")
    grade: float = Field(
        description="risk index, 0-100, higher is worse: a bounded view of `measure`"
    )
    measure: float = Field(
        description="what the grade is computed from: per-asset points (the power mean of"
        " the assets' points) under policies since 2027.1; the points before"
    )
    band: str = Field(
        description="the grade's band letter (A low ... E severe); '' for scores recorded"
        " before bands"
    )
    policy_version: str
    computed_at: datetime
    flags: list[str]
    contributions: list[dict[str, Any]]
    coverage: dict[str, Any]


@router.route(
    "GET",
    "/scores/<subject>",
    summary="A recorded score (nation, organization:ID, system:ID, asset:ID) and its parts",
    query=ScoreQuery,
    response=ScoreOut,
    errors=(404,),
    needs=Action.READ,
)
def get_score(call: Call, subject: str) -> ScoreOut:
    who = call.who
    if subject == "nation" and who.scoped:
        raise Forbidden("the national score is for the operator's roles")
    q: ScoreQuery = call.query
    rec = score_as_of(call.store, subject, q.as_of or utcnow())
    if rec is None or (rec.org_id and not who.sees_org(rec.org_id)):
        raise NotFound(f"no score recorded for {subject}", hint="run `crsa score` first")
    return ScoreOut(
        subject=rec.subject,
        kind=rec.kind,
        org_id=rec.org_id,
        points=rec.points,
        grade=rec.grade,
        measure=rec.measure,
        band=rec.band,
        policy_version=rec.policy_version,
        computed_at=rec.computed_at,
        flags=list(rec.flags),
        contributions=rec.contributions.get("parts", []),
        coverage=rec.coverage,
    )
