"""One Elasticsearch node for every xdist worker of a run, instead of one each.

Starting a node is a JVM's start and a cluster's bootstrap: on this 2-core machine it took
16 s alone and 45-50 s beside the other worker's tests, twice per run, and two idle nodes
kept two heaps. The first worker to need a node starts it under a lock and writes where it
listens; the others read that. Index sets are named by random prefixes, so the workers'
tests never meet in it. The worker that started it stops it only after every other worker
has finished its session (`finished`, called from pytest_sessionfinish), since a worker
that has not needed a node yet may still need it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools.esnode import Cluster
from devtools.jvm import Unavailable

WAIT_FOR_OTHERS = 45 * 60.0  # a worker that died never says it finished
_stopped = False  # this worker started the node, stopped it and removed the run's folder


@dataclass(frozen=True)
class NodeAddress:
    """What tests read of the session's node: where it listens, and its `path.repo`."""

    urls: list[str]
    snapshots: Path


def _run_dir() -> Path | None:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return None if run is None else Path(tempfile.gettempdir()) / f"crsa-es-run-{run}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with (folder / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def finished() -> None:
    """This worker will ask for no node any more."""
    folder = _run_dir()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if folder is not None and worker is not None and not _stopped:
        folder.mkdir(exist_ok=True)  # a node may be started after this worker is done
        (folder / f"finished-{worker}").touch()


def _wait_for_others(folder: Path) -> None:
    others = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) - 1
    deadline = time.monotonic() + WAIT_FOR_OTHERS
    while len(list(folder.glob("finished-*"))) < others and time.monotonic() < deadline:
        time.sleep(1)


def session_node() -> Generator[NodeAddress, None, None]:
    """The run's node (raises Unavailable, for every worker, if it cannot start)."""
    global _stopped
    folder = _run_dir()
    if folder is None:  # one process: a node of its own
        cluster = Cluster(size=1).start()
        try:
            yield NodeAddress(cluster.urls, cluster.snapshots)
        finally:
            cluster.stop()
        return
    started: Cluster | None = None
    folder.mkdir(exist_ok=True)
    where = folder / "node.json"
    with _locked(folder):
        if not where.exists():
            try:
                started = Cluster(size=1).start()
                found = {"urls": started.urls, "snapshots": str(started.snapshots)}
            except Unavailable as exc:
                found = {"unavailable": str(exc)}
            where.write_text(json.dumps(found))
        found = json.loads(where.read_text())
    if "unavailable" in found:
        raise Unavailable(found["unavailable"])
    try:
        yield NodeAddress(found["urls"], Path(found["snapshots"]))
    finally:
        if started is not None:
            _wait_for_others(folder)
            started.stop()
            shutil.rmtree(folder, ignore_errors=True)
            _stopped = True
