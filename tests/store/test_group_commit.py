"""Group commit (issue 20 goal 2): concurrent commits of one process share round trips,
and each caller still learns the fate of its own commit."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from hub.core.store.elasticsearch.group import GroupCommit


class Recorder:
    """A commit function that records its groups; the first group waits for `release`,
    so that callers pile up behind it as they do behind a slow cluster."""

    def __init__(self, fail_on: str = "") -> None:
        self.groups: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, group: Sequence[str]) -> None:
        self.groups.append(list(group))
        if len(self.groups) == 1:
            self.entered.set()
            assert self.release.wait(30)
        if self.fail_on in group:
            raise RuntimeError(f"refused {self.fail_on}")


def submit_all(
    committer: GroupCommit[str], names: list[str]
) -> tuple[dict[str, str], list[threading.Thread]]:
    outcome: dict[str, str] = {}

    def run(name: str) -> None:
        try:
            committer.submit(name)
        except RuntimeError as exc:
            outcome[name] = str(exc)
        else:
            outcome[name] = "committed"

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for t in threads:
        t.start()
    return outcome, threads


def test_callers_that_arrive_during_a_commit_are_committed_together() -> None:
    recorder = Recorder()
    committer = GroupCommit(recorder)
    first, first_threads = submit_all(committer, ["a"])
    assert recorder.entered.wait(30)
    rest, threads = submit_all(committer, ["b", "c", "d", "e"])
    while len(committer._queue) < 4:  # all four wait behind the first commit
        threading.Event().wait(0.01)
    assert not rest  # nobody returns before its commit
    recorder.release.set()
    for t in first_threads + threads:
        t.join(30)
    assert first == {"a": "committed"}
    assert rest == dict.fromkeys("bcde", "committed")
    assert recorder.groups[0] == ["a"]
    assert sorted(recorder.groups[1]) == ["b", "c", "d", "e"]
    assert len(recorder.groups) == 2


def test_a_failed_group_fails_its_own_callers_only() -> None:
    recorder = Recorder(fail_on="c")
    committer = GroupCommit(recorder)
    first, first_threads = submit_all(committer, ["a"])
    assert recorder.entered.wait(30)
    rest, threads = submit_all(committer, ["b", "c"])
    while len(committer._queue) < 2:
        threading.Event().wait(0.01)
    recorder.release.set()
    for t in first_threads + threads:
        t.join(30)
    assert first == {"a": "committed"}
    assert rest == {"b": "refused c", "c": "refused c"}
    # The committer is free again afterwards.
    committer.submit("f")
    assert recorder.groups[-1] == ["f"]


def test_a_lone_caller_commits_alone_and_at_once() -> None:
    groups: list[list[int]] = []
    committer: GroupCommit[int] = GroupCommit(lambda g: groups.append(list(g)))
    for n in range(3):
        committer.submit(n)
    assert groups == [[0], [1], [2]]


@pytest.mark.parametrize("callers", [2, 16])
def test_every_caller_returns_under_contention(callers: int) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def commit(group: Sequence[int]) -> None:
        with lock:
            seen.extend(group)

    committer: GroupCommit[int] = GroupCommit(commit)

    def write(n: int) -> None:
        for i in range(50):
            committer.submit(n * 100 + i)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(seen) == sorted(n * 100 + i for n in range(callers) for i in range(50))
