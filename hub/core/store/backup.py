"""Backups of a running hub, and restores that prove what they restored.

A backup is a folder: the store's consistent copy (written by the backend's `Method`:
SQLite's online backup API, or an Elasticsearch snapshot), the data directory's keys and
settings under `home/`, and `manifest.json`, written last, so a folder without one is a
backup that did not finish. The manifest records the store kind, its schema version, the
audit chain's head and the count of every stored kind as of the copy, and the SHA-256 of
every file. A restore checks the files first, then refuses a newer schema or an occupied
target, puts the copy in place, and accepts it only if its audit chain verifies up to the
recorded head and its counts are the recorded ones; otherwise it removes what it put.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors.files import private_dir, write_private
from hub import __version__
from hub.core import audit
from hub.core.errors import HubError
from hub.core.model import AuditDraft
from hub.core.settings import CONFIG_FILE, Settings
from hub.core.store.interface import KINDS, Store

FORMAT = "crsa-backup/1"
MANIFEST = "manifest.json"
HOME = "home"
KEYS = "keys"

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    pass


class BackupError(HubError):
    code = "backup_error"


@dataclass(frozen=True)
class State:
    """What a store holds at one moment: the audit head and the count of every kind."""

    schema_version: int
    head_seq: int
    head_hash: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Manifest:
    store: str
    state: State
    files: dict[str, str]  # path inside the backup -> SHA-256
    details: dict[str, Any] = field(default_factory=dict)  # the backend's own (snapshot name)
    created_at: str = ""
    crsa_version: str = __version__
    format: str = FORMAT

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(
                f"{path} is missing: {folder} is not a finished backup",
                hint="a backup writes its manifest last; take the backup again",
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                raise BackupError(f"{path}: format {raw.get('format')!r}, expected {FORMAT!r}")
            return cls(**{**raw, "state": State(**raw["state"])})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupError(f"{path} is damaged: {exc}") from None


def store_state(store: Store) -> State:
    head = store.audit_head()
    counts = {kind.name: store.count(kind) for kind in KINDS}
    whole = store.counts()
    counts |= {"audit_entries": whole.audit_entries, "packages": whole.packages}
    return State(
        store.schema_version(),
        head.seq if head else 0,
        head.hash if head else "",
        dict(sorted(counts.items())),
    )


class Method(abc.ABC):
    """One backend's consistent copy and its way back: what differs between stores."""

    @abc.abstractmethod
    def latest_schema(self) -> int: ...

    @abc.abstractmethod
    def take(self, folder: Path, progress: Progress) -> tuple[State, dict[str, Any]]:
        """Write a consistent copy into `folder`; the state it holds, and details a
        restore needs (the snapshot's name). Writers may go on meanwhile."""

    @abc.abstractmethod
    def occupied(self) -> str | None:
        """What the restore target already holds, if anything, in words."""

    @abc.abstractmethod
    def put(self, folder: Path, manifest: Manifest, force: bool, progress: Progress) -> Store:
        """The copy restored (not yet in service, where the backend can tell the two
        apart), opened for the checks."""

    @abc.abstractmethod
    def commit(self) -> Store:
        """Put the checked copy in service; the store it now is."""

    @abc.abstractmethod
    def discard(self) -> None:
        """Remove a copy that failed its checks."""

    def inspect(self, folder: Path, manifest: Manifest) -> None:  # noqa: B027
        """Check the copy's contents without restoring it, where the backend can."""


def method_for(kind: str, settings: Settings) -> Method:
    """The backup method of a store kind, aimed at the store `settings` name."""
    if kind == "sqlite":
        from hub.core.store.sqlite.backup import SqliteMethod

        return SqliteMethod(settings.sqlite_path)
    if kind == "elasticsearch":
        from hub.core.store.elasticsearch.backup import ElasticsearchMethod
        from hub.core.store.elasticsearch.store import ElasticsearchStore

        return ElasticsearchMethod(ElasticsearchStore.from_settings(settings))
    raise BackupError(f"a backup of an unknown store kind {kind!r}")


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    )


def _home_files(home: Path) -> list[Path]:
    """The data directory's keys (secrets in the store are sealed with one) and settings."""
    found = [home / CONFIG_FILE] if (home / CONFIG_FILE).is_file() else []
    keys = home / KEYS
    return found + (sorted(p for p in keys.iterdir() if p.is_file()) if keys.is_dir() else [])


def back_up(
    settings: Settings,
    store: Store,
    out: Path,
    *,
    actor: str,
    request_id: str,
    progress: Progress = quiet,
) -> Manifest:
    """Back the hub up into `out` (missing or empty) while it keeps serving."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(
            f"{out} is not empty", hint="back up into a new folder; keep older backups apart"
        )
    method = method_for(store.name, settings)
    with store.transaction() as tx:  # the backup holds the entry that records it
        tx.append_audit(
            AuditDraft(actor, "store.backup", store.name, request_id, {"out": str(out)})
        )
    state, details = method.take(out, progress)
    home = private_dir(out / HOME)
    for source in _home_files(settings.home):
        target = private_dir(home / source.parent.relative_to(settings.home)) / source.name
        write_private(target, source.read_bytes())
    files = _files(out)
    progress(f"hashing {len(files)} files")
    manifest = Manifest(
        store=store.name,
        state=state,
        files={p.relative_to(out).as_posix(): _digest(p) for p in files},
        details=details,
        created_at=datetime.now(UTC).isoformat(),
    )
    write_private(out / MANIFEST, manifest.to_json().encode())
    return manifest


def _opened(folder: Path, settings: Settings, progress: Progress) -> tuple[Manifest, Method]:
    """The manifest, once every file it lists is as recorded and its schema is one this
    release can read, and the method of its store kind: what verify and restore share."""
    manifest = Manifest.read(folder)
    method = method_for(manifest.store, settings)
    progress(f"checking {len(manifest.files)} files")
    _check_files(folder, manifest)
    _check_schema(method, manifest)
    return manifest, method


def _check_files(folder: Path, manifest: Manifest) -> None:
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup", hint="restore another backup")
        if _digest(path) != expected:
            raise BackupError(
                f"{path} is damaged: its SHA-256 is not the one in {MANIFEST}",
                hint="restore another backup",
            )


def _check_schema(method: Method, manifest: Manifest) -> None:
    latest = method.latest_schema()
    if manifest.state.schema_version > latest:
        raise BackupError(
            f"the backup has schema version {manifest.state.schema_version}, newer than this"
            f" crsa-hub knows ({latest})",
            hint=f"restore it with crsa-hub {manifest.crsa_version} or later",
        )


def check_state(store: Store, expected: State) -> None:
    """The restored store's chain verifies to the recorded head and holds what was counted."""
    result = audit.verify(store.iter_audit())
    if not result.ok:
        raise BackupError(
            f"the restored audit chain does not verify: {result.reason} at entry"
            f" {result.broken_seq}"
        )
    head = result.head if result.checked else ""  # an empty chain: no head recorded
    if (result.checked, head) != (expected.head_seq, expected.head_hash):
        raise BackupError(
            f"the restored audit chain ends at entry {result.checked}, the backup's at"
            f" {expected.head_seq}"
        )
    found = store_state(store)
    differ = {
        k: (expected.counts.get(k), n)
        for k, n in found.counts.items()
        if k in expected.counts and expected.counts[k] != n
    }
    if differ:
        listed = ", ".join(
            f"{k} {want} recorded, {got} restored" for k, (want, got) in differ.items()
        )
        raise BackupError(f"the restored store differs from the backup: {listed}")


def verify_backup(folder: Path, settings: Settings, progress: Progress = quiet) -> Manifest:
    """Everything a restore checks, without restoring: the files, the schema, and where
    the backend can read its copy in place, the chain and the counts."""
    manifest, method = _opened(folder, settings, progress)
    method.inspect(folder, manifest)
    return manifest


def restore(
    folder: Path,
    settings: Settings,
    *,
    force: bool,
    actor: str,
    request_id: str,
    progress: Progress = quiet,
) -> Manifest:
    """Restore `folder` into the store and data directory `settings` name."""
    manifest, method = _opened(folder, settings, progress)
    held = method.occupied()
    keys = settings.home / KEYS
    if held is None and keys.is_dir() and any(keys.iterdir()):
        held = f"keys in {keys}"
    if held is not None and not force:
        raise BackupError(
            f"the restore target is not empty: {held}",
            hint="restore into a new data directory (or index prefix), or add --force to"
            " replace what is there",
        )
    try:  # a restore cut short, or refused by its checks, leaves nothing behind
        store = method.put(folder, manifest, force, progress)
        try:
            if store.schema_version() < method.latest_schema():
                progress("upgrading the restored store to this crsa-hub's schema")
                store.migrate()
            progress("verifying the audit chain and the counts")
            check_state(store, manifest.state)
        finally:
            store.close()
    except BaseException:
        method.discard()
        raise
    restored = method.commit()
    try:
        with restored.transaction() as tx:
            detail: dict[str, object] = {"from": str(folder), "head": manifest.state.head_hash}
            tx.append_audit(AuditDraft(actor, "store.restore", restored.name, request_id, detail))
    finally:
        restored.close()
    _put_home(folder / HOME, settings.home)
    return manifest


def _put_home(saved: Path, home: Path) -> None:
    """The keys back in place; the settings file only where the target has none (it
    may name another cluster or prefix on purpose)."""
    private_dir(home)
    for source in sorted(p for p in saved.rglob("*") if p.is_file()):
        relative = source.relative_to(saved)
        target = home / relative
        if relative.as_posix() == CONFIG_FILE and target.exists():
            continue
        private_dir(target.parent)
        write_private(target, source.read_bytes())
