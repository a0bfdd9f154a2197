"""The chain itself: any edit, removal or reordering is found at the first entry it breaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hub.core import audit
from hub.core.model import AuditDraft, AuditEntry

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(n):
        draft = AuditDraft(
            "token:x",
            "system.create",
            f"s{i}",
            f"r{i}",
            {"i": i, "nested": [i]},
            T0 + timedelta(seconds=i),
        )
        entries.append(audit.chain(draft, entries[-1] if entries else None))
    return entries


def test_an_intact_chain_verifies() -> None:
    entries = chain(6)
    result = audit.verify(entries)
    assert result.ok and result.checked == 6 and result.head == entries[-1].hash
    assert audit.verify([]).ok


def test_each_kind_of_tampering_is_found_where_it_happened() -> None:
    entries = chain(6)
    edited = entries.copy()
    edited[3] = replace(entries[3], detail={"i": 99, "nested": [3]})
    assert audit.verify(edited).broken_seq == 4
    when = entries.copy()
    when[1] = replace(entries[1], at=entries[1].at + timedelta(milliseconds=1))
    assert audit.verify(when).broken_seq == 2
    rehashed = entries.copy()  # edit and recompute its own hash: the next link breaks
    e = replace(entries[2], actor="token:mallory")
    rehashed[2] = replace(
        e,
        hash=audit.entry_hash(
            e.seq, e.at, e.actor, e.action, e.target, e.request_id, e.detail, e.prev_hash
        ),
    )
    result = audit.verify(rehashed)
    assert result.broken_seq == 4 and "prev_hash" in (result.reason or "")
    assert audit.verify(entries[:2] + entries[3:]).broken_seq == 4
    assert audit.verify([entries[1], entries[0]]).broken_seq == 2
    truncated_front = audit.verify(entries[1:])
    assert truncated_front.broken_seq == 2 and truncated_front.checked == 0
