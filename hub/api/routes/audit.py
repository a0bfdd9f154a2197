"""The audit log, read-only, for admins and auditors."""

from __future__ import annotations

from hub import audit
from hub.api.endpoint import Call, Router
from hub.api.schemas import AuditEntryOut, AuditPage, AuditQuery, AuditVerifyOut
from hub.auth import Action

router = Router("audit")


@router.route(
    "GET", "/audit", summary="Audit entries in chain order", query=AuditQuery, response=AuditPage
)
def list_audit(call: Call) -> AuditPage:
    call.who.require(Action.READ_AUDIT)
    q: AuditQuery = call.query
    items = list(call.store.iter_audit(after_seq=q.after, limit=q.limit))
    return AuditPage(
        items=[AuditEntryOut.model_validate(e) for e in items],
        next=items[-1].seq if len(items) == q.limit else None,
    )


@router.route("GET", "/audit/verify", summary="Walk the hash chain", response=AuditVerifyOut)
def verify_audit(call: Call) -> AuditVerifyOut:
    call.who.require(Action.READ_AUDIT)
    result = audit.verify(call.store.iter_audit())
    return AuditVerifyOut(
        ok=result.ok,
        checked=result.checked,
        head=result.head,
        broken_seq=result.broken_seq,
        reason=result.reason,
    )
