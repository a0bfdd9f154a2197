"""Group commit: the concurrent commits of one process share the cluster's round trips.

A commit on Elasticsearch costs about ten round trips and a refresh, most of them the
same whatever it writes (the chain's tip, the journal, the bulk, the refresh, clearing the
journal). Writers of different partitions hold their own leases and run their own
transaction bodies at once; what they have to write is then handed to whichever of them
arrives first at the committer, which commits everything queued as one group while the
others wait, and hands the next group to one of those that arrived meanwhile as soon as
its own group has its places in the audit chain (the only part that must be one group at a
time): applying one group overlaps ordering the next. The same
idea as a database's group commit of its log: a lone writer pays what it paid before,
sixteen writers pay for a few groups instead of sixteen commits (`bench/commits`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

W = TypeVar("W")


@dataclass(eq=False)
class _Waiting(Generic[W]):
    work: W
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[W]):
    """Runs `order(group)` for the work handed in by concurrent callers, in groups, one
    group at a time; then `finish(group)`, which may overlap the next group's `order`.
    Each caller returns once its own work is finished, or raises what failed it."""

    def __init__(
        self,
        order: Callable[[Sequence[W]], None],
        finish: Callable[[Sequence[W]], None] | None = None,
    ) -> None:
        self._order = order
        self._finish = finish
        self._lock = threading.Lock()
        self._queue: list[_Waiting[W]] = []
        self._leading = False

    def submit(self, work: W) -> None:
        mine = _Waiting(work)
        with self._lock:
            self._queue.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.wake.wait()
            lead = mine.lead
        if lead:
            self._lead()
        if mine.error is not None:
            raise mine.error

    def _lead(self) -> None:
        """Order what is queued, pass the lead to the first caller queued meanwhile (a
        leader that went on leading would wait for everyone else's commits too), then
        finish this group beside the next one's ordering."""
        with self._lock:
            group, self._queue = self._queue, []
        works = [w.work for w in group]
        failed: BaseException | None = None
        try:
            self._order(works)
        except BaseException as exc:  # every caller in the group learns its commit failed
            failed = exc
        with self._lock:
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._leading = False
            else:
                successor.lead = True
        if successor is not None:
            successor.wake.set()
        if failed is None and self._finish is not None:
            try:
                self._finish(works)
            except BaseException as exc:
                failed = exc
        for waiting in group:
            waiting.error = failed
            waiting.wake.set()
