"""The engine: sources -> outbox -> playbooks -> actions, losing nothing and doing nothing
twice.

One run: every source a loaded playbook listens to is scanned and what is new goes into
the outbox (stored before anything acts on it). Then each pending event meets the
playbooks whose trigger and conditions it matches, and each of their actions runs unless
its idempotency key (event, playbook, action) says it already did. An action's record,
its store writes and its audit entry commit together. An event is done when every action
it calls for is; an action that fails leaves the event pending for the next run, and
after `MAX_ATTEMPTS` runs it is marked failed for people to look at. A playbook past its
rate limit defers the rest of its actions to a later run (deferred, not dropped).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from hub.core.errors import HubError
from hub.core.model import AuditDraft, utcnow
from hub.core.records.events import ActionRun, Event, EventCursor, EventStatus
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.codec import encode_time
from hub.core.store.interface import ACTION_RUNS, EVENT_CURSORS, EVENTS, Query
from playbooks.actions import ACTIONS, ActionError, Context, PlaybookAction
from playbooks.definition import BUILTIN, Playbook, PlaybookError, load_all
from playbooks.events.outbox import enqueue, pending, unseen
from playbooks.events.sources import SOURCES

MAX_ATTEMPTS = 10


def configured(settings: Settings) -> list[Path]:
    """Where this hub's playbooks live: the built-in ones, then the configured directory."""
    places = [BUILTIN] if settings.playbooks_builtin else []
    if settings.playbooks_dir:
        places.append(Path(settings.playbooks_dir).expanduser())
    return places


@dataclass
class Planned:
    playbook: str
    event: str
    action: str
    what: str


@dataclass
class EngineRun:
    queued: int = 0
    handled: int = 0
    done: int = 0  # actions done in this run
    repeated: int = 0  # actions found already done (their key recorded): not done again
    deferred: int = 0  # over a playbook's rate limit: left for a later run
    failed: list[str] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)  # dry runs: what would be done

    def summary(self) -> str:
        text = (
            f"{self.queued} new events, {self.handled} handled, {self.done} actions done,"
            f" {self.repeated} already done, {self.deferred} deferred by rate limits"
        )
        return text + (f", {len(self.failed)} failed" if self.failed else "")


class _Budget:
    """What each playbook may still do under its rate limit, counted from the store, so
    several engines and restarts share one limit."""

    def __init__(self, store: Store, books: Sequence[Playbook], now: datetime) -> None:
        self.left: dict[str, int] = {}
        windows = {b.rate_seconds for b in books}
        for seconds in windows:
            since = encode_time(now - timedelta(seconds=seconds))
            used = store.count_by(ACTION_RUNS, "playbook", Query(newer=("at", since)))
            for b in books:
                if b.rate_seconds == seconds:
                    self.left[b.name] = b.rate_max - used.get(b.name, 0)

    def take(self, book: Playbook) -> bool:
        if self.left.get(book.name, 0) <= 0:
            return False
        self.left[book.name] -= 1
        return True


class Engine:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        books: Sequence[Playbook],
        *,
        actions: dict[str, PlaybookAction] | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.settings = settings
        self.books = [b for b in books if b.enabled]
        self.actions = actions or ACTIONS
        self.clock = clock
        self.sleep = sleep

    @classmethod
    def configured(cls, store: Store, settings: Settings) -> tuple[Engine, list[PlaybookError]]:
        books, refused = load_all(configured(settings))
        return cls(store, settings, books), refused

    def detect(self, now: datetime, *, dry_run: bool = False) -> list[Event]:
        """Scan the sources the playbooks listen to; queue (unless dry) what is new."""
        fresh: list[Event] = []
        for trigger in sorted({b.trigger for b in self.books}):
            source = SOURCES[trigger]
            params = [b.params for b in self.books if b.trigger == trigger]
            seen = list(source.scan(self.store, now, params))
            if dry_run:
                fresh += unseen(self.store, seen)
            else:
                fresh += enqueue(self.store, seen, now, source.advance(self.store, seen))
                self._backfill(trigger)
        return fresh

    def _backfill(self, trigger: str) -> None:
        """A playbook new to this hub acts on events queued from now on; one that says
        `backfill: true` also gets the events already handled, reopened for it (the
        playbooks that handled them before find their actions done and do nothing)."""
        names = sorted(b.name for b in self.books if b.trigger == trigger)
        cursor_id = f"playbooks:{trigger}"
        cursor = self.store.fetch(EVENT_CURSORS, cursor_id)
        known = set(cursor.position.split(",")) if cursor else set(names)
        wanted = [b for b in self.books if b.trigger == trigger and b.name not in known]
        if cursor is not None and not wanted:
            return
        backfilling = tuple(sorted(b.name for b in wanted if b.backfill))
        if backfilling:
            handled = Query({"trigger": trigger, "status": EventStatus.DONE.value})
            reopened = [
                replace(e, status=EventStatus.PENDING.value, handled_at=None, only_for=backfilling)
                for e in self.store.iter_query(EVENTS, handled)
            ]
            for start in range(0, len(reopened), 500):
                with self.store.transaction() as tx:
                    tx.put_events(reopened[start : start + 500])
        with self.store.transaction() as tx:
            tx.put_event_cursor(EventCursor(cursor_id, ",".join(sorted(known | set(names)))))

    def run_once(
        self,
        request_id: str,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> EngineRun:
        now = self.clock()
        run = EngineRun()
        if not dry_run:
            # An empty transaction first: it finishes any commit a killed writer left half
            # done (the Elasticsearch store's journal), so what this run reads (which
            # actions are done) is what was committed, not what a dead run was writing.
            with self.store.transaction():
                pass
        fresh = self.detect(now, dry_run=dry_run)
        run.queued = len(fresh)
        queue = list(fresh) if dry_run else list(pending(self.store))
        budget = _Budget(self.store, self.books, now)
        ctx = Context(self.store, self.settings, now, request_id, self.sleep)
        for n, event in enumerate(queue, 1):
            self._handle(ctx, event, budget, run, dry_run)
            if progress:
                progress(n, len(queue))
        if not dry_run and (run.queued or run.handled):
            with self.store.transaction() as tx:  # the run itself, beside each action's entry
                tx.append_audit(
                    AuditDraft(
                        "playbooks",
                        "playbooks.run",
                        "outbox",
                        request_id,
                        {
                            "playbooks": sorted(b.name for b in self.books),
                            "queued": run.queued,
                            "handled": run.handled,
                            "done": run.done,
                            "repeated": run.repeated,
                            "deferred": run.deferred,
                            "failed": run.failed[:20],
                        },
                        now,
                    )
                )
        return run

    def _handle(
        self, ctx: Context, event: Event, budget: _Budget, run: EngineRun, dry_run: bool
    ) -> None:
        fields = event.view()
        books = [
            b
            for b in self.books
            if b.trigger == event.trigger
            and (not event.only_for or b.name in event.only_for)
            and b.matches(fields)
        ]
        complete = True
        problems: list[str] = []
        for book in books:
            for index, step in enumerate(book.steps):
                key = ActionRun.key_id(event.id, book.name, index)
                action = self.actions[step.kind]
                if self.store.fetch(ACTION_RUNS, key) is not None:
                    run.repeated += 1
                    continue
                if not budget.take(book):
                    run.deferred += 1
                    complete = False
                    break  # a playbook's actions keep their order
                if dry_run:
                    run.planned.append(
                        Planned(book.name, event.id, step.kind, action.describe(step, event))
                    )
                    continue
                try:
                    self._perform(ctx, book, index, event, key, action)
                except HubError as exc:
                    problems.append(f"{book.name} action {index + 1} ({step.kind}): {exc.message}")
                    complete = False
                    break
                run.done += 1
        if dry_run:
            return
        run.handled += 1
        run.failed += [f"event {event.id}: {p}" for p in problems]
        if complete:
            updated = replace(
                event, status=EventStatus.DONE.value, handled_at=ctx.now, error="", only_for=()
            )
        else:
            attempts = event.attempts + (1 if problems else 0)
            gave_up = attempts >= MAX_ATTEMPTS
            updated = replace(
                event,
                attempts=attempts,
                error="; ".join(problems),
                status=(EventStatus.FAILED if gave_up else EventStatus.PENDING).value,
                handled_at=ctx.now if gave_up else None,
            )
        with self.store.transaction() as tx:
            tx.put_events([updated])

    def _perform(
        self,
        ctx: Context,
        book: Playbook,
        index: int,
        event: Event,
        key: str,
        action: PlaybookAction,
    ) -> None:
        step = book.steps[index]
        outcome = action.perform(ctx, book, step, event, key)
        record = ActionRun(key, book.name, event.id, step.kind, "done", ctx.now, outcome.detail)
        with self.store.transaction() as tx:
            if outcome.write is not None:
                outcome.write(tx)
            tx.put_action_runs([record])
            tx.append_audit(
                AuditDraft(
                    f"playbook:{book.name}",
                    f"playbook.{step.kind}",
                    event.subject,
                    ctx.request_id,
                    {"event": event.id, "trigger": event.trigger, "key": key,
                     "action": index + 1, **outcome.detail},
                    ctx.now,
                )
            )  # fmt: skip


__all__ = ["MAX_ATTEMPTS", "ActionError", "Engine", "EngineRun", "configured"]
