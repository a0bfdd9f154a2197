"""Elasticsearch's side of a backup: a snapshot into a filesystem repository.

The backup folder's `snapshot/` is the repository's location, so it must lie under a
path every node lists in `path.repo` (on a cluster, a filesystem all nodes and the hub
mount at the same path); the hub reads it to hash the files and writes the keys beside it.

A snapshot is consistent per shard, not across indices, and one commit writes several.
So the snapshot starts while every writer is held out (as a migration holds them), and
the writers go on once every shard has taken its point in time: they wait for that, not
for the files to be copied. The audit head and the counts are read in the same quiet.

A restore renames the indices to the target's prefix (so a backup restores beside its
own hub, as the restore drill does) and puts back the aliases a schema rebuild left,
renamed too: restoring them as they were would point the source's names at the copy.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from hub.core.errors import StoreError
from hub.core.store.backup import Manifest, Method, Progress, State, store_state
from hub.core.store.elasticsearch.mappings import MAPPINGS, SCHEMA_VERSION
from hub.core.store.elasticsearch.store import ElasticsearchStore
from hub.core.store.interface import Store

REPOSITORY_DIR = "snapshot"
POLL = 0.2
FAILED = {"FAILED", "PARTIAL", "INCOMPATIBLE"}


class ElasticsearchMethod(Method):
    def __init__(self, store: ElasticsearchStore) -> None:
        self.store = store

    @property
    def _es(self) -> Elasticsearch:
        return self.store.es

    def latest_schema(self) -> int:
        return SCHEMA_VERSION

    def _concrete(self) -> dict[str, str]:
        """Each of this hub's index names that exists, and the index it resolves to (an
        alias after a schema rebuild, else itself)."""
        names = {self.store.index(kind) for kind in MAPPINGS}
        found = self._es.indices.get(
            index=",".join(sorted(names)), ignore_unavailable=True, allow_no_indices=True
        )
        resolved: dict[str, str] = {}
        for concrete, info in found.body.items():
            for name in {concrete, *info.get("aliases", {})} & names:
                resolved[name] = concrete
        return dict(sorted(resolved.items()))

    @contextmanager
    def _repository(self, location: Path, *, readonly: bool) -> Iterator[str]:
        """A repository registered for one backup or restore, and forgotten after it
        (its files stay where they are)."""
        name = f"{self.store.prefix}-backup-{uuid.uuid4().hex[:8]}"
        try:
            self._es.snapshot.create_repository(
                name=name,
                repository={
                    "type": "fs",
                    "settings": {"location": str(location.resolve()), "readonly": readonly},
                },
            )
        except ApiError as exc:
            raise StoreError(
                f"Elasticsearch cannot use {location} as a snapshot repository: {_reason(exc)}",
                hint="list a folder holding it in path.repo in elasticsearch.yml on every node"
                " (on a cluster, one filesystem mounted at the same path everywhere), restart"
                " the nodes, and keep backups under that folder (docs/operations.md)",
            ) from None
        try:
            yield name
        finally:
            self._es.snapshot.delete_repository(name=name)

    def _until(self, ready: Callable[[], bool], renew: Callable[[], None] = lambda: None) -> None:
        while not ready():
            renew()
            time.sleep(POLL)

    def _shards(self, repository: str, snapshot: str) -> dict[str, int]:
        status = self._es.snapshot.status(repository=repository, snapshot=snapshot)
        stats: dict[str, int] = status["snapshots"][0]["shards_stats"]
        if stats.get("failed"):
            raise StoreError(f"the snapshot failed on {stats['failed']} shards")
        return stats

    def _snapshot_state(self, repository: str, snapshot: str) -> str:
        found = self._es.snapshot.get(repository=repository, snapshot=snapshot)
        info = found["snapshots"][0]
        state = str(info["state"])
        if state in FAILED:
            raise StoreError(f"the snapshot ended {state}: {info.get('failures') or info}")
        return state

    def take(self, folder: Path, progress: Progress) -> tuple[State, dict[str, Any]]:
        snapshot = "crsa-" + datetime.now(UTC).strftime("%Y%m%dt%H%M%S%fz")
        with self._repository(folder / REPOSITORY_DIR, readonly=False) as repository:
            progress("holding writers until every shard has taken its point in time")
            with self.store.writers_held() as renew:
                indices = self._concrete()
                self._es.snapshot.create(
                    repository=repository,
                    snapshot=snapshot,
                    indices=",".join(sorted(set(indices.values()))),
                    include_global_state=False,
                    wait_for_completion=False,
                )
                self._until(
                    lambda: not self._shards(repository, snapshot).get("initializing"), renew
                )
                state = store_state(self.store)
            progress("writers released; the snapshot's files are being copied")

            said: list[str] = []

            def done() -> bool:
                stats = self._shards(repository, snapshot)
                line = f"snapshot: {stats.get('done', 0)}/{stats.get('total', 0)} shards"
                if line not in said:  # each step once, not once per poll
                    said.append(line)
                    progress(line)
                return self._snapshot_state(repository, snapshot) == "SUCCESS"

            self._until(done)
        return state, {
            "snapshot": snapshot,
            "repository": REPOSITORY_DIR,
            "prefix": self.store.prefix,
            "indices": indices,
        }

    def occupied(self) -> str | None:
        held = self._concrete()
        if held:
            return (
                f"{len(held)} indices of prefix {self.store.prefix!r} at"
                f" {', '.join(self.store.urls)}"
            )
        return None

    def put(self, folder: Path, manifest: Manifest, force: bool, progress: Progress) -> Store:
        if force:
            self.discard()
        details = manifest.details
        source: str = details["prefix"]
        indices: dict[str, str] = details["indices"]

        def renamed(name: str) -> str:
            return self.store.prefix + name[len(source) :]

        with self._repository(folder / details["repository"], readonly=True) as repository:
            progress(f"restoring {len(set(indices.values()))} indices from the snapshot")
            try:
                self._es.snapshot.restore(
                    repository=repository,
                    snapshot=details["snapshot"],
                    indices=",".join(sorted(set(indices.values()))),
                    include_aliases=False,
                    include_global_state=False,
                    rename_pattern=f"^{re.escape(source)}-(.+)$",
                    rename_replacement=f"{self.store.prefix}-$1",
                    wait_for_completion=True,
                )
            except ApiError as exc:
                raise StoreError(f"Elasticsearch refused the restore: {_reason(exc)}") from None
        aliases = [
            {"add": {"index": renamed(concrete), "alias": renamed(name)}}
            for name, concrete in indices.items()
            if name != concrete
        ]
        if aliases:
            self._es.indices.update_aliases(actions=aliases)
        self._es.cluster.health(
            index=",".join(renamed(c) for c in set(indices.values())),
            wait_for_status="yellow",
            timeout="60s",
        )
        # The snapshot was taken with every writer held out: the leases and barrier that
        # held them are in it, and would keep the restored hub's writers waiting.
        self.store.release_every_lease()
        return self.store

    def commit(self) -> Store:
        return self.store

    def discard(self) -> None:
        concrete = set(self._concrete().values())
        if concrete:
            self._es.indices.delete(index=",".join(sorted(concrete)))


def _reason(exc: ApiError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error", {})
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return str(cause.get("reason") or error.get("reason") or exc.message)
    return str(error or exc.message)
