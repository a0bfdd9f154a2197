"""`crsa store backup | verify-backup | restore`: a hub backed up while it writes, restored
elsewhere whole, and a damaged or misplaced backup refused by name."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.core import audit
from hub.core.auth import Principal
from hub.core.model import AuditDraft, Organization, OrgKind, utcnow
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store, open_store
from hub.core.store.backup import (
    MANIFEST,
    BackupError,
    Manifest,
    State,
    back_up,
    restore,
    store_state,
    verify_backup,
)
from hub.core.store.elasticsearch import ElasticsearchStore, mappings
from hub.core.store.elasticsearch import store as es_module
from hub.core.store.interface import (
    ASSETS,
    FINDINGS,
    ORGANIZATIONS,
    STIX_OBJECTS,
    TOKENS,
    Kind,
    Query,
)
from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite import store as sqlite_module
from hub.core.vault import Vault
from tests.conftest import World, drop_indices, es_store, hub_env
from tests.indexsets import IndexSets
from tests.sharednode import NodeAddress
from tests.store.test_es_migrations import _version


def crsa(env: dict[str, str], *args: str) -> Result:
    return CliRunner(env=env).invoke(main, list(args))


@dataclass
class Load:
    """Organizations added one commit at a time until stopped: a hub that keeps writing."""

    store: Store
    added: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def run(self) -> None:
        reg = Registry(self.store)
        root = Principal.operator("load")
        try:
            while not self.stop.is_set():
                org = reg.add_organization(
                    root, f"Load {uuid.uuid4().hex[:8]}", OrgKind.AGENCY, "l"
                )
                self.added.append(org.value.id)  # acknowledged: the commit returned
        except BaseException as exc:  # reported by the fixture
            self.error = exc

    def until(self, count: int) -> None:
        while len(self.added) < count and self.error is None:
            self.stop.wait(0.01)


@pytest.fixture
def load(world: World) -> Iterator[Load]:
    running = Load(world.store)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield running
    running.stop.set()
    thread.join()
    assert running.error is None, running.error


@dataclass
class Places:
    """Where a backup goes and where it is restored, on the store under test."""

    out: Path
    source_env: dict[str, str]
    target_env: dict[str, str]
    target: Settings


@pytest.fixture
def places(world: World, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Places]:
    store = world.store
    if isinstance(store, ElasticsearchStore):
        # Elasticsearch writes the snapshot: it must be under the node's path.repo.
        out = request.getfixturevalue("es_node").snapshots / f"backup-{uuid.uuid4().hex[:8]}"
        prefix = f"{store.prefix}-r"
        env = hub_env(store, tmp_path / "restored") | {"CRSA_ES_INDEX_PREFIX": prefix}
        target = Settings(
            home=tmp_path / "restored",
            store="elasticsearch",
            es_url=",".join(store.urls),
            es_index_prefix=prefix,
        )
        yield Places(out, hub_env(store, tmp_path), env, target)
        cleanup = es_store(store.urls, prefix)
        cleanup.es.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        cleanup.close()
    else:
        target = Settings(home=tmp_path / "restored")
        yield Places(
            tmp_path / "backup", hub_env(store, tmp_path), hub_env(store, target.home), target
        )


@contextmanager
def _open(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


def test_a_backup_taken_under_load_restores_elsewhere_whole(
    world: World, load: Load, places: Places, tmp_path: Path
) -> None:
    store = world.store
    key = Vault.of(tmp_path).seal("partner secret")  # the key that seals it is backed up
    load.until(5)
    before = list(load.added)

    taken = crsa(places.source_env, "store", "backup", "--out", str(places.out))
    assert taken.exit_code == 0, taken.output
    assert "backed up" in taken.output and "audit head" in taken.output
    mark = len(load.added)
    load.until(mark + 5)  # writes went on after the backup
    load.stop.set()

    checked = crsa(places.source_env, "store", "verify-backup", str(places.out))
    assert checked.exit_code == 0, checked.output
    assert "files as recorded" in checked.output

    restored = crsa(places.target_env, "store", "restore", str(places.out))
    assert restored.exit_code == 0, restored.output
    assert "audit chain verified" in restored.output

    manifest = Manifest.read(places.out)
    copy = open_store(places.target)
    try:
        assert audit.verify(copy.iter_audit()).ok
        entries = list(copy.iter_audit())
        assert entries[-1].action == "store.restore"
        assert entries[-2].hash == manifest.state.head_hash  # the chain as it was backed up
        source_entry = next(store.iter_audit(after_seq=manifest.state.head_seq - 1, limit=1))
        assert source_entry.hash == manifest.state.head_hash
        assert any(e.action == "store.backup" for e in entries)

        # Mid-load: everything acknowledged before the backup is there, the source moved on.
        assert store.audit_head().seq > manifest.state.head_seq  # type: ignore[union-attr]
        orgs = {o.id for o in copy.iter_all(ORGANIZATIONS)}
        assert set(before) <= orgs
        assert not set(load.added[mark + 1 :]) & orgs

        # Counts as recorded (the restore's own audit entry aside), a sample of records equal.
        now = store_state(copy).counts
        assert now == {**manifest.state.counts, "audit_entries": now["audit_entries"]}
        assert now["audit_entries"] == manifest.state.counts["audit_entries"] + 1
        assert manifest.state.counts["assets"] >= 2 and manifest.state.counts["tokens"] >= 4
        sampled: tuple[Kind[Any], ...] = (ORGANIZATIONS, ASSETS, TOKENS, FINDINGS)
        for kind in sampled:
            for record in list(copy.iter_all(kind))[:20]:
                assert store.fetch(kind, record.id) == record
    finally:
        copy.close()

    # The keys came along: the restored hub opens what the source sealed.
    assert Vault.of(places.target.home).open(key) == "partner secret"
    assert (places.target.home / "crsa.toml").exists() == (tmp_path / "crsa.toml").exists()


def test_a_damaged_backup_is_refused_with_the_file_named(
    world: World, places: Places, tmp_path: Path
) -> None:
    Vault.of(tmp_path)
    assert crsa(places.source_env, "store", "backup", "--out", str(places.out)).exit_code == 0
    manifest = Manifest.read(places.out)
    # The largest file of the store's copy: the SQLite file, or the snapshot's biggest blob.
    victim = max(
        (places.out / name for name in manifest.files if not name.startswith("home/")),
        key=lambda p: p.stat().st_size,
    )
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))

    checked = crsa(places.source_env, "store", "verify-backup", str(places.out))
    assert checked.exit_code == 1
    assert str(victim) in checked.output and "damaged" in checked.output
    assert "Traceback" not in checked.output

    refused = crsa(places.target_env, "store", "restore", str(places.out))
    assert refused.exit_code == 1
    assert str(victim) in refused.output
    # Nothing was put in place.
    assert not (places.target.home / "crsa.db").exists()
    if isinstance(world.store, ElasticsearchStore):
        target = es_store(world.store.urls, places.target.es_index_prefix)
        assert not target.es.indices.exists(index=target.index("meta"))
        target.close()

    # A missing file is named too.
    victim.unlink()
    with pytest.raises(BackupError, match=f"{victim} is missing"):
        verify_backup(places.out, places.target)


def test_a_restore_refuses_an_occupied_target_a_newer_schema_and_an_unfinished_backup(
    world: World, places: Places
) -> None:
    assert crsa(places.source_env, "store", "backup", "--out", str(places.out)).exit_code == 0
    assert crsa(places.target_env, "store", "restore", str(places.out)).exit_code == 0
    again = crsa(places.target_env, "store", "restore", str(places.out))
    assert again.exit_code == 1 and "not empty" in again.output and "--force" in again.output

    # --force replaces the target with the backup, checked as before.
    with _open(places.target) as target:
        Registry(target).add_organization(Principal.operator("t"), "After", OrgKind.AGENCY, "t")
        grown = target.count(ORGANIZATIONS)
    forced = crsa(places.target_env, "store", "restore", "--force", str(places.out))
    assert forced.exit_code == 0, forced.output
    with _open(places.target) as target:
        assert target.count(ORGANIZATIONS) == grown - 1
        assert audit.verify(target.iter_audit()).ok

    # A backup of a newer schema than this code knows.
    manifest_path = places.out / MANIFEST
    raw = json.loads(manifest_path.read_text())
    raw["state"]["schema_version"] += 1
    manifest_path.write_text(json.dumps(raw))
    newer = crsa(places.target_env, "store", "restore", "--force", str(places.out))
    assert newer.exit_code == 1 and "newer than this crsa-hub knows" in newer.output

    # A backup that never wrote its manifest.
    manifest_path.unlink()
    unfinished = crsa(places.target_env, "store", "verify-backup", str(places.out))
    assert unfinished.exit_code == 1 and "not a finished backup" in unfinished.output

    # A folder that is not empty is never backed up into.
    refused = crsa(places.source_env, "store", "backup", "--out", str(places.out))
    assert refused.exit_code == 1 and "is not empty" in refused.output


@pytest.mark.elasticsearch
def test_elasticsearch_says_where_backups_may_go(index_sets: IndexSets, tmp_path: Path) -> None:
    store = index_sets.lend()
    try:
        refused = crsa(hub_env(store, tmp_path), "store", "backup", "--out", str(tmp_path / "b"))
        assert refused.exit_code == 1
        assert "path.repo" in refused.output and "Traceback" not in refused.output
    finally:
        index_sets.take_back(store, drop_indices)


@pytest.mark.elasticsearch
def test_an_index_rebuilt_by_an_upgrade_restores_under_the_new_prefix_alone(
    es_node: NodeAddress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a schema rebuild an index name is an alias of `<name>-s<N>`. The restore
    renames the index and makes the alias anew under the target's prefix: restoring the
    alias as it was would point the source hub's name at the copy too."""
    source = es_store(es_node.urls)
    with monkeypatch.context() as patch:  # a store made before the sorted STIX index
        patch.setattr(es_module, "MIGRATIONS", {k: mappings.MIGRATIONS[k] for k in range(1, 9)})
        patch.setattr(es_module, "SCHEMA_VERSION", 8)
        patch.setattr(es_module, "SORTED", {})
        source.migrate()
    target = es_store(es_node.urls, f"{source.prefix}-r")
    try:
        with source.transaction() as tx:
            tx.put_stix_versions([_version(n) for n in range(30)])
        source.migrate()  # rebuilds the STIX index: its name becomes an alias
        name = source.index("stix_objects")
        [concrete] = source.es.indices.get_alias(name=name).body
        assert concrete != name

        out = es_node.snapshots / f"backup-{uuid.uuid4().hex[:8]}"
        settings = Settings(home=tmp_path, store="elasticsearch", es_url=",".join(source.urls),
                            es_index_prefix=source.prefix)  # fmt: skip
        back_up(settings, source, out, actor="t", request_id="t")
        with source.transaction() as tx:  # after the backup: not restored
            tx.put_stix_versions([_version(30)])
        there = replace(settings, home=tmp_path / "r", es_index_prefix=target.prefix)
        restore(out, there, force=False, actor="t", request_id="t")

        aliased = target.es.indices.get_alias(name=target.index("stix_objects")).body
        assert list(aliased) == [target.prefix + concrete[len(source.prefix) :]]
        assert list(source.es.indices.get_alias(name=name).body) == [concrete]  # untouched
        query = Query(equals={"collection_id": "c1"}, order_by="date_added", limit=100)
        assert len(target.select(STIX_OBJECTS, query)) == 30
        assert len(source.select(STIX_OBJECTS, query)) == 31
        with target.transaction() as tx:  # the restored hub writes through its alias
            tx.put_stix_versions([_version(31)])
        assert len(target.select(STIX_OBJECTS, query)) == 31
    finally:
        for store in (target, source):
            store.es.indices.delete(index=f"{store.prefix}-*", ignore_unavailable=True)
            store.close()


def test_a_backup_of_an_older_schema_is_upgraded_as_it_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup an older release took (here: schema one before this code's, its manifest
    written as that release would) restores, is upgraded as `crsa init` upgrades, and is
    checked against what it recorded."""
    every = sqlite_module._migrations()
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_module, "_migrations", lambda: every[:-1])
        (tmp_path / "old").mkdir()
        old = SqliteStore(tmp_path / "old" / "crsa.db")
        assert old.migrate() == every[-2][0]
        orgs = [Organization.new(f"Agency {n}", OrgKind.AGENCY, utcnow()) for n in range(3)]
        with old.transaction() as tx:
            for org in orgs:
                tx.put_organization(org)
            tx.append_audit(AuditDraft("t", "org.add", "orgs", "t", {}))
        head = old.audit_head()
        assert head is not None
        folder = tmp_path / "backup"
        folder.mkdir()
        with (
            closing(sqlite3.connect(old.path)) as src,
            closing(sqlite3.connect(folder / "crsa.db")) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        old.close()
    digest = hashlib.sha256((folder / "crsa.db").read_bytes()).hexdigest()
    state = State(every[-2][0], head.seq, head.hash, {"organizations": 3, "audit_entries": 1})
    recorded = Manifest("sqlite", state, {"crsa.db": digest}, {"file": "crsa.db"})
    (folder / MANIFEST).write_text(recorded.to_json())

    target = Settings(home=tmp_path / "restored")
    assert verify_backup(folder, target).state.schema_version == every[-2][0]
    restore(folder, target, force=False, actor="t", request_id="t")
    with _open(target) as restored:  # opens: the schema is this code's
        assert restored.schema_version() == every[-1][0]
        assert [restored.get_organization(o.id) for o in orgs] == orgs
        assert audit.verify(restored.iter_audit()).ok
        assert [e.action for e in restored.iter_audit()] == ["org.add", "store.restore"]
