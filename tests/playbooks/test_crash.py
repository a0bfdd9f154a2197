"""Kill the engine in the middle of a run and start it again: no event is lost and no
action is done twice (store actions exactly once; the webhook in flight at the kill is
repeated once, with the same idempotency key, which the receiver drops).

The kill lands while a delivery is in flight, outside any commit; a kill inside a commit
is the store's own crash test (tests/store/test_es_commits.py: the journal)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from hub.core import audit
from hub.core.store.interface import ACTION_RUNS, EVENTS, TRIAGE
from tests.conftest import World, hub_env
from tests.playbooks.servers import webhook_receiver
from tests.playbooks.test_engine import kev

EVENTS_N = 12
BOOK = """\
name: kev-notify
trigger: kev_finding
actions:
  - triage: {comment: "${vuln_id} seen"}
  - webhook: {url: "URL", retries: 0, timeout: 10}
"""


def _env(world: World, home: Path, books: Path) -> dict[str, str]:
    return hub_env(world.store, home, CRSA_PLAYBOOKS_BUILTIN="false",
                   CRSA_PLAYBOOKS_DIR=str(books), CRSA_WEBHOOK_SECRET="s3cret")  # fmt: skip


def test_killed_mid_run_loses_nothing_and_repeats_nothing(world: World, tmp_path: Path) -> None:
    for n in range(EVENTS_N):
        kev(world, n, 5, datetime.now(UTC))
    books = tmp_path / "books"
    books.mkdir()
    command = [sys.executable, "-m", "hub.cli", "--home", str(tmp_path), "playbooks", "run"]
    with webhook_receiver("s3cret", delay=0.4) as got:
        (books / "notify.yaml").write_text(BOOK.replace("URL", got.url), encoding="utf-8")
        env = _env(world, tmp_path, books)
        engine = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while got.arrived < 5 and time.monotonic() < deadline:
            assert engine.poll() is None, engine.communicate()
            time.sleep(0.05)
        engine.send_signal(signal.SIGKILL)  # no clean-up, no last write
        engine.wait()
        left = [e for e in world.store.iter_all(EVENTS) if e.status == "pending"]
        assert len(left) == EVENTS_N - 4, "the kill lands on the fifth event's delivery"
        assert len(list(world.store.iter_all(EVENTS))) == EVENTS_N  # all queued first

        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
    events = list(world.store.iter_all(EVENTS))
    assert len(events) == EVENTS_N
    assert {e.status for e in events} == {"done"}, [
        (e.status, e.attempts, e.error) for e in events if e.status != "done"
    ] + [again.stdout, again.stderr]
    runs = list(world.store.iter_all(ACTION_RUNS))
    assert Counter(r.action for r in runs) == {"triage": EVENTS_N, "webhook": EVENTS_N}
    items = [i for i in world.store.iter_all(TRIAGE)]
    assert len(items) == EVENTS_N and all(len(i.comments) == 1 for i in items)
    entries = list(world.store.iter_audit())
    assert audit.verify(entries).ok
    done = Counter(e.action for e in entries if e.actor == "playbook:kev-notify")
    assert done == {"playbook.triage": EVENTS_N, "playbook.webhook": EVENTS_N}
    # Every event reached the receiver, signed; the one repeat is the delivery in flight at
    # the kill, with its key, so a receiver that drops repeats acts once per event.
    assert len(got.keys()) == EVENTS_N and all(d["valid"] for d in got.deliveries)
    repeats = [k for k, n in Counter(d["key"] for d in got.deliveries).items() if n > 1]
    assert len(repeats) == 1 and len(got.deliveries) == EVENTS_N + 1


def test_a_refused_playbook_leaves_the_others_running(world: World, tmp_path: Path) -> None:
    kev(world, 1, 5, datetime.now(UTC))
    books = tmp_path / "books"
    books.mkdir()
    good = BOOK.replace('  - webhook: {url: "URL", retries: 0, timeout: 10}\n', "")
    (books / "a.yaml").write_text(good, encoding="utf-8")
    (books / "b.yaml").write_text(good.replace("kev-notify", "broken").replace(
        "trigger: kev_finding", "trigger: kev_findings"), encoding="utf-8")  # fmt: skip
    env = _env(world, tmp_path, books)
    command = [sys.executable, "-m", "hub.cli", "--home", str(tmp_path), "playbooks", "run"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"refused playbook {books / 'b.yaml'}:2: trigger 'kev_findings'" in done.stderr
    assert "1 actions done" in done.stdout
    [item] = world.store.iter_all(TRIAGE)
    assert item.comments[0]["by"] == "playbook:kev-notify"
