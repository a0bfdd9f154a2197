"""The hash-chained audit log: computing entry hashes and verifying the chain.

Each entry's hash covers its own fields and the previous entry's hash, so an
edit, a deletion or a reordering anywhere breaks every hash after it, and the
first broken entry pinpoints where the tampering happened.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.core.model import AuditDraft, AuditEntry

GENESIS = "0" * 64


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    request_id: str,
    detail: dict[str, object],
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "target": target,
        "request_id": request_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain(draft: AuditDraft, head: AuditEntry | None) -> AuditEntry:
    """The entry that follows `head` (or starts the chain) for this draft."""
    seq = 1 if head is None else head.seq + 1
    prev = GENESIS if head is None else head.hash
    detail = json.loads(json.dumps(draft.detail, sort_keys=True, default=str))
    digest = entry_hash(
        seq, draft.at, draft.actor, draft.action, draft.target, draft.request_id, detail, prev
    )
    return AuditEntry(
        seq=seq,
        at=draft.at,
        actor=draft.actor,
        action=draft.action,
        target=draft.target,
        request_id=draft.request_id,
        detail=detail,
        prev_hash=prev,
        hash=digest,
    )


def extends(entry: AuditEntry, head: AuditEntry | None) -> str | None:
    """Why `entry`, copied from another store, cannot follow `head`; None when it can."""
    seq = 1 if head is None else head.seq + 1
    prev = GENESIS if head is None else head.hash
    if entry.seq != seq or entry.prev_hash != prev:
        return (
            f"audit entry {entry.seq} does not extend this store's chain"
            f" (expected entry {seq} after hash {prev[:12]}...)"
        )
    return None


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head: str
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(entries: Iterable[AuditEntry]) -> VerifyResult:
    """Walk the chain in order and stop at the first entry that does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(
                checked, prev, entry.seq, f"expected entry {expected_seq}, found {entry.seq}"
            )
        if entry.prev_hash != prev:
            return VerifyResult(
                checked, prev, entry.seq, "its prev_hash does not match the entry before it"
            )
        recomputed = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.target,
            entry.request_id,
            entry.detail,
            entry.prev_hash,
        )
        if recomputed != entry.hash:
            return VerifyResult(
                checked, prev, entry.seq, "its content does not match its hash (edited)"
            )
        prev = entry.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked, prev)
