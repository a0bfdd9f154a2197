"""The audit log, read-only, for admins and auditors."""

from __future__ import annotations

from hub.core import audit
from hub.core.auth import Action
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import AuditEntryOut, AuditPage, AuditQuery, AuditVerifyOut

router = Router("audit")


@router.route(
    "GET",
    "/audit",
    summary="Audit entries in chain order",
    query=AuditQuery,
    response=AuditPage,
    needs=Action.READ_AUDIT,
)
def list_audit(call: Call) -> AuditPage:
    q: AuditQuery = call.query
    items = list(call.store.iter_audit(after_seq=q.after, limit=q.limit))
    return AuditPage(
        items=[AuditEntryOut.model_validate(e) for e in items],
        next=items[-1].seq if len(items) == q.limit else None,
    )


@router.route(
    "GET",
    "/audit/verify",
    summary="Walk the hash chain",
    response=AuditVerifyOut,
    needs=Action.READ_AUDIT,
)
def verify_audit(call: Call) -> AuditVerifyOut:
    result = audit.verify(call.store.iter_audit())
    return AuditVerifyOut(
        ok=result.ok,
        checked=result.checked,
        head=result.head,
        broken_seq=result.broken_seq,
        reason=result.reason,
    )
