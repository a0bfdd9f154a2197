"""The outbox: events are stored before anything acts on them, so a restart loses none.

Queueing is insert-if-absent by id: a source that sees the same happening again (every
scan sees every open KEV finding) queues nothing, and an event already handled is never
reset to pending by seeing it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from hub.events.records import Event, EventCursor, EventStatus
from hub.store import Store
from hub.store.interface import EVENTS, Query

_CHUNK = 500


def enqueue(
    store: Store, events: Iterable[Event], now: datetime, cursor: EventCursor | None = None
) -> list[Event]:
    """Store the events not queued before (with the source's new read position in the same
    transaction, so a crash never leaves a position past events it did not keep); returns
    the new ones."""
    fresh: list[Event] = []
    batch: dict[str, Event] = {}

    def flush() -> None:
        if not batch:
            return
        known = {e.id for e in store.select(EVENTS, Query(ids=tuple(batch), limit=len(batch)))}
        fresh.extend(replace(e, queued_at=now) for i, e in batch.items() if i not in known)
        batch.clear()

    for event in events:
        batch[event.id] = event
        if len(batch) >= _CHUNK:
            flush()
    flush()
    for start in range(0, max(len(fresh), 1), _CHUNK):
        chunk = fresh[start : start + _CHUNK]
        last = start + _CHUNK >= len(fresh)
        if not chunk and not (last and cursor):
            continue
        with store.transaction() as tx:
            tx.put_events(chunk)
            if last and cursor is not None:
                tx.put_event_cursor(cursor)
    return fresh


def pending(store: Store) -> Iterator[Event]:
    """Queued events still to handle, oldest id first (ids, not times: a stable order)."""
    return store.iter_query(EVENTS, Query({"status": EventStatus.PENDING.value}))
