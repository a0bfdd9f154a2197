"""The outbox: events are stored before anything acts on them, so a restart loses none.

Queueing is insert-if-absent by id: a source that sees the same happening again (every
scan sees every open KEV finding) queues nothing, and an event already handled is never
reset to pending by seeing it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from hub.core.records.events import Event, EventCursor, EventStatus
from hub.core.store import Store
from hub.core.store.interface import EVENTS, Query

_CHUNK = 500


def unseen(store: Store, events: Iterable[Event]) -> list[Event]:
    """The events the outbox does not hold yet (each once), in the order given."""
    batch = list({e.id: e for e in events}.values())
    known: set[str] = set()
    for start in range(0, len(batch), _CHUNK):
        ids = tuple(e.id for e in batch[start : start + _CHUNK])
        known |= {e.id for e in store.select(EVENTS, Query(ids=ids, limit=len(ids)))}
    return [e for e in batch if e.id not in known]


def enqueue(
    store: Store, events: Iterable[Event], now: datetime, cursor: EventCursor | None = None
) -> list[Event]:
    """Store the events not queued before, and the source's new read position with the
    last of them (so a crash never leaves a position past events it did not keep);
    returns the new ones."""
    fresh = [replace(e, queued_at=now) for e in unseen(store, events)]
    chunks = [fresh[n : n + _CHUNK] for n in range(0, len(fresh), _CHUNK)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        last = n == len(chunks)
        if not chunk and not (last and cursor is not None):
            continue
        with store.transaction() as tx:
            tx.put_events(chunk)
            if last and cursor is not None:
                tx.put_event_cursor(cursor)
    return fresh


def pending(store: Store) -> Iterator[Event]:
    """Queued events still to handle, oldest id first (ids, not times: a stable order)."""
    return store.iter_query(EVENTS, Query({"status": EventStatus.PENDING.value}))
