"""SQLite implementation of the store.

One connection per thread (gunicorn's threaded workers share a process), WAL
so readers never block the writer, and `BEGIN IMMEDIATE` for writes so the
audit head read inside a transaction cannot race another writer.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import json
import os
import sqlite3
import threading
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from collectors.files import FILE_MODE, private_file
from hub.core import audit, jsontext
from hub.core.errors import StoreError
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    AuditEntry,
    Finding,
    FindingCount,
    Organization,
    Package,
    StoreCounts,
    System,
)
from hub.core.packages import package_key, software_set_id
from hub.core.records.intel import IntelSource
from hub.core.records.scores import ScoreRecord
from hub.core.store.codec import encode_time, encode_value
from hub.core.store.interface import (
    FINDINGS,
    GENERIC_KINDS,
    HUB,
    AnyOf,
    In,
    Kind,
    Progress,
    Query,
    Store,
    Transaction,
    quiet,
)
from hub.core.store.sqlite import vulngroups
from hub.core.store.sqlite.inverted import Reverse
from hub.core.store.sqlite.reading import reader

T = TypeVar("T")


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def _stored_time(text: str) -> str:
    """A time bound in a query, in the one form stored times have (UTC, microseconds), so
    comparing text compares time whatever precision the caller wrote (a TAXII client's
    `added_after` may carry seconds, milliseconds or nanoseconds). A date, or anything
    that is no time, is left as it is."""
    if len(text) <= 10:
        return text
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if at.tzinfo is None:
        return text
    return encode_time(at)


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("hub.core.store.sqlite") / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            version = int(item.name.split("_", 1)[0])
            found.append((version, item.name, item.read_text(encoding="utf-8")))
    return sorted(found)


def _column(value: Any) -> Any:
    """A codec-encoded field as SQLite stores it: JSON text for lists and maps, 0/1."""
    if isinstance(value, list | dict):
        return jsontext.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value


def _json_column(value: Any) -> Any:
    return None if value is None else jsontext.dumps(encode_value(value), sort_keys=True)


# How every connection is set up. One host's report dirties hundreds of index pages; with
# SQLite's defaults (2 MB of cache, a checkpoint every 1,000 WAL pages) nearly every commit
# paid for a checkpoint and its fsync. 64 MB of cache and checkpoints every few dozen
# commits (`_checkpoint_now_and_then`) let commits share that work (bench/ingest,
# bench/rows; docs/performance.md).
PRAGMAS = (
    "journal_mode = WAL",
    "foreign_keys = ON",
    "busy_timeout = 10000",
    "synchronous = NORMAL",
    "cache_size = -65536",
    "wal_autocheckpoint = 65536",
)
# Commits of one connection between the checkpoints it runs outside the writer lock.
CHECKPOINT_EVERY = 32
# The software sets holding a match key (the hosts an advisory concerns), entered a batch
# of new sets at a time (`inverted`, migration 0023).
SOFTWARE_SETS = Reverse(
    "software_sets", "set_id", "match_key", "software_set_keys", "software_sets_pending"
)


@functools.lru_cache(maxsize=65_536)
def _tuple_text(value: tuple[Any, ...]) -> str:
    return str(jsontext.dumps(encode_value(value), sort_keys=True))


def _tuple_column(value: Any) -> Any:
    """Aliases and fixed versions repeat across every host of an image: written once."""
    if value is None:
        return None
    try:
        return _tuple_text(value)
    except TypeError:  # a tuple of maps: unhashable, written each time
        return _json_column(value)


def _bool_column(value: Any) -> Any:
    return None if value is None else int(value)


def _plain_column(value: Any) -> Any:
    return _column(encode_value(value))


def _enum_column(value: Any) -> Any:
    return None if value is None else value._value_


_AS_IS = {str, int, float, type(None)}


def _conversion(hint: Any) -> Callable[[Any], Any] | None:
    """How a field of this type becomes a column; None when it is stored as it is."""
    options = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) and len(options) == 1:
        hint = options[0]  # X | None: None is stored as NULL by every conversion
    origin = typing.get_origin(hint) or hint
    if origin is datetime:
        return _time_column
    if origin is tuple:
        return _tuple_column
    if origin is dict or origin is list:
        return _json_column
    if origin is bool:
        return _bool_column
    if isinstance(origin, type) and issubclass(origin, Enum):
        return _enum_column
    if origin in _AS_IS:
        return None
    return _plain_column


@functools.cache
def _row_encoder(cls: type[Any]) -> Callable[[Any], list[Any]]:
    """A row of `cls`'s columns from one value, planned once per class from its type
    hints. Encoding a batch of findings through the document codec value by value cost
    more than SQLite's own work (bench/ingest profile): here the fields are read at once
    and only those that need it are converted. The columns are what
    `_column(encode(item))` gives."""
    fields = dataclasses.fields(cls)
    hints = typing.get_type_hints(cls)
    # One expression per column, compiled once (as `dataclasses` builds its methods): the
    # list is built in one step instead of read whole, then patched column by column.
    conversions = {f"_c{n}": _conversion(hints[f.name]) for n, f in enumerate(fields)}
    columns = ", ".join(
        f"_c{n}(item.{f.name})" if conversions[f"_c{n}"] else f"item.{f.name}"
        for n, f in enumerate(fields)
    )
    scope = {name: c for name, c in conversions.items() if c}
    exec(f"def row(item):\n    return [{columns}]\n", scope)  # noqa: S102
    return cast(Callable[[Any], list[Any]], scope["row"])


_last_time: tuple[Any, str] = (None, "")


def _time_column(value: Any) -> Any:
    """A time as text. The findings of one batch share their times, so the last one
    converted is kept (with the value itself, so the identity check cannot be fooled by
    a reused id); the pair is replaced whole, which is safe between threads."""
    global _last_time
    if value is None:
        return None
    last = _last_time
    if last[0] is value:
        return last[1]
    text = value.isoformat(timespec="microseconds")
    _last_time = (value, text)
    return text


_org = reader(Organization)
_system = reader(System)
_asset = reader(Asset)
_token = reader(ApiToken)
_audit = reader(AuditEntry)


_TABLES: dict[str, tuple[str, Callable[[sqlite3.Row], object]]] = {
    "organizations": ("organizations", _org),
    "systems": ("systems", _system),
    "assets": ("assets", _asset),
    "tokens": ("api_tokens", _token),
    **{k.name: (k.name, reader(k.cls)) for k in GENERIC_KINDS},
}
# Fields stored as JSON lists, which `In` matches on any element.
_LISTS = {
    table: {f.name for f in dataclasses.fields(cls) if str(f.type).startswith("tuple")}
    for table, cls in ((k.name, k.cls) for k in GENERIC_KINDS)
}
# Fields an upsert never overwrites: when a record was first made.
_KEEP = frozenset({"created_at"})


def _condition(table: str, condition: In | AnyOf) -> tuple[str, list[Any]]:
    """SQL for one `where` condition; list fields (JSON text) match on any element. Field
    names reach SQL text only after `check_query` found them among the kind's columns."""
    if isinstance(condition, AnyOf):
        parts = [[_condition(table, c) for c in group] for group in condition.groups]
        sql = " OR ".join("(" + " AND ".join(p[0] for p in group) + ")" for group in parts)
        return f"({sql or '0'})", [v for group in parts for p in group for v in p[1]]
    name = condition.field
    marks = ", ".join("?" for _ in condition.values) or "NULL"
    lookup = _LOOKUPS.get((table, name))
    if lookup is not None:
        return lookup.condition(marks), list(condition.values) * lookup.binds
    if name in _LISTS.get(table, ()):
        return f"EXISTS (SELECT 1 FROM json_each({name}) WHERE value IN ({marks}))", list(
            condition.values
        )
    if (table, name) == ("findings", "asset_id") and condition.values == ("",):
        # In the text, not bound: findings_system_wide covers `asset_id = ''` only.
        return "asset_id = ''", []
    flags = [v for v in condition.values if isinstance(v, bool)]
    if flags and len(flags) == len(condition.values):
        if len(set(flags)) == 1:  # `IN (1)` would not imply `= 1`
            return f"{name} = {_literals(flags[:1])}", []
        return f"{name} IN ({_literals(flags)})", []
    return f"{name} IN ({marks})", list(condition.values)


def _literals(values: Sequence[bool]) -> str:
    """Booleans written into the SQL text rather than bound: SQLite uses a partial index
    (`findings_status_kev ... WHERE kev = 1`) only when the query's own text implies its
    condition, and a bound value does not."""
    return ", ".join(str(int(v)) for v in values)


class _Lookup(NamedTuple):
    """A field found through another structure that names the table's rowids, instead of
    an index of the table ordered by it (see `vulngroups` for why findings have none by
    vulnerability). `condition` makes the SQL from the value marks, bound `binds` times."""

    condition: Callable[[str], str]
    binds: int


_LOOKUPS = {("findings", "vuln_id"): _Lookup(vulngroups.naming, 3)}


def _index_for(table: str, query: Query) -> str | None:
    """The index a query of findings by asset reads (migration 0022), where SQLite without
    statistics would choose another. A host's findings are a few hundred: found through
    (asset_id, vuln_id) and sorted, rather than by walking an agency's findings in id
    order. The system-wide ones (`asset_id = ''`, from SBOMs) are paged in id order through
    the index that holds them alone, rather than sorted whole for every page. A query that
    names the system too reads findings_scope, which SQLite picks by itself."""
    if table != "findings" or "system_id" in query.equals:
        return None
    assets = [query.equals["asset_id"]] if "asset_id" in query.equals else []
    assets += [
        v for c in query.where if isinstance(c, In) and c.field == "asset_id" for v in c.values
    ]
    if not assets:
        return None
    if all(assets):
        return "findings_asset_vuln"
    return "findings_system_wide" if set(assets) == {""} else None


def _looks_up(table: str, query: Query) -> bool:
    """Whether the query names rows through a `_LOOKUPS` entry. Without statistics SQLite
    may then walk another index of the table (all of an agency's findings) and test each
    row against the few the lookup names: such a query reads the table `NOT INDEXED`,
    leaving SQLite the rowids to read."""
    fields = set(query.equals)
    for condition in query.where:
        if isinstance(condition, In):
            fields.add(condition.field)
        else:
            fields |= {c.field for group in condition.groups for c in group}
    return any((table, name) in _LOOKUPS for name in fields)


# Rows encoded ahead of a transaction (`SqliteStore.prepare`): the item's id, the item
# itself (so a recycled id cannot match another object), and its row.
_Ready = dict[int, tuple[object, list[Any]]]


class _SqliteTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection, ready: _Ready | None = None) -> None:
        self._conn = conn
        self._ready: _Ready = ready or {}

    def _exec(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> None:
        try:
            self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"write refused by the store: {exc}") from exc

    def put_organization(self, org: Organization) -> None:
        self._exec(
            "INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind",
            (org.id, org.name, org.kind.value, _ts(org.created_at)),
        )

    def put_system(self, system: System) -> None:
        self._exec(
            "INSERT INTO systems (id, org_id, name, criticality, internet_facing, description,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " name = excluded.name, criticality = excluded.criticality,"
            " internet_facing = excluded.internet_facing, description = excluded.description",
            (
                system.id,
                system.org_id,
                system.name,
                system.criticality.value,
                int(system.internet_facing),
                system.description,
                _ts(system.created_at),
            ),
        )

    def put_asset(self, asset: Asset) -> None:
        self._exec(
            "INSERT INTO assets (id, org_id, system_id, identifier, hostname, os_name, os_version,"
            " addresses, last_seen, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET identifier = excluded.identifier,"
            " hostname = excluded.hostname, os_name = excluded.os_name,"
            " os_version = excluded.os_version, addresses = excluded.addresses,"
            " last_seen = excluded.last_seen",
            (
                asset.id,
                asset.org_id,
                asset.system_id,
                asset.identifier,
                asset.hostname,
                asset.os_name,
                asset.os_version,
                json.dumps(list(asset.addresses)),
                _ts(asset.last_seen),
                _ts(asset.created_at),
            ),
        )

    def _put_packages(
        self, table: str, owner: str, owner_id: str, packages: Sequence[Package]
    ) -> None:
        self._exec(f"DELETE FROM {table} WHERE {owner} = ?", (owner_id,))
        try:
            self._conn.executemany(
                f"INSERT INTO {table} ({owner}, purl, name, version, ecosystem)"
                " VALUES (?, ?, ?, ?, ?)",
                [(owner_id, p.purl, p.name, p.version, p.ecosystem) for p in packages],
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"write refused by the store: {exc}") from exc

    def put_asset_packages(self, asset_id: str, packages: Sequence[Package]) -> None:
        """The asset runs the software set of these packages: written once per distinct
        set (an image), and dropped when its last asset moves on."""
        set_id = software_set_id(packages)
        row = self._conn.execute(
            "SELECT set_id FROM asset_software WHERE asset_id = ?", (asset_id,)
        ).fetchone()
        old = None if row is None else row[0]
        if old == set_id:
            return
        known = self._conn.execute(
            "SELECT 1 FROM software_sets WHERE set_id = ? LIMIT 1", (set_id,)
        ).fetchone()
        try:
            if known is None:
                self._conn.executemany(
                    "INSERT INTO software_sets"
                    " (set_id, purl, name, version, ecosystem, match_key)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (set_id, p.purl, p.name, p.version, p.ecosystem, package_key(p.purl) or "")
                        for p in packages
                    ],
                )
                SOFTWARE_SETS.added(self._conn, set_id)
            self._exec(
                "INSERT INTO asset_software (asset_id, set_id) VALUES (?, ?)"
                " ON CONFLICT (asset_id) DO UPDATE SET set_id = excluded.set_id",
                (asset_id, set_id),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"write refused by the store: {exc}") from exc
        if old is not None:
            still = self._conn.execute(
                "SELECT 1 FROM asset_software WHERE set_id = ? LIMIT 1", (old,)
            ).fetchone()
            if still is None:  # its last host moved on
                SOFTWARE_SETS.drop(self._conn, old)

    def put_sbom_packages(self, sbom_id: str, packages: Sequence[Package]) -> None:
        self._put_packages("sbom_packages", "sbom_id", sbom_id, packages)

    def put_token(self, token: ApiToken) -> None:
        self._exec(
            "INSERT INTO api_tokens (id, org_id, role, name, token_hash, created_at, revoked_at,"
            " expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id)"
            " DO UPDATE SET role = excluded.role, name = excluded.name,"
            " revoked_at = excluded.revoked_at, expires_at = excluded.expires_at,"
            " last_used_at = excluded.last_used_at",
            (
                token.id,
                token.org_id,
                token.role.value,
                token.name,
                token.token_hash,
                _ts(token.created_at),
                _ts(token.revoked_at),
                _ts(token.expires_at),
                _ts(token.last_used_at),
            ),
        )

    def _put_many(self, kind: Kind[T], items: Sequence[T]) -> None:
        if not items:
            return
        columns = [f.name for f in dataclasses.fields(kind.cls)]  # type: ignore[arg-type]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in {"id", *_KEEP})
        sql = (
            f"INSERT INTO {kind.name} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})"
            f" ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        encoder = _row_encoder(kind.cls)  # type: ignore[arg-type]
        ready = self._ready
        rows = [
            done[1] if (done := ready.get(id(item))) and done[0] is item else encoder(item)
            for item in items
        ]
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"write refused by the store: {exc}") from exc
        if kind is FINDINGS:
            vulngroups.record(self._conn, cast(Sequence[Finding], items))

    def _audit_head(self) -> AuditEntry | None:
        row = self._conn.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return None if row is None else _audit(row)

    def append_audit(self, draft: AuditDraft) -> None:
        # BEGIN IMMEDIATE made this the only writer: the head cannot move under it.
        self._insert_audit(audit.chain(draft, self._audit_head()))

    def import_audit(self, entry: AuditEntry) -> None:
        refused = audit.extends(entry, self._audit_head())
        if refused:
            raise StoreError(refused)
        self._insert_audit(entry)

    def _insert_audit(self, entry: AuditEntry) -> None:
        self._exec(
            "INSERT INTO audit_log (seq, at, actor, action, target, request_id, detail,"
            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                _ts(entry.at),
                entry.actor,
                entry.action,
                entry.target,
                entry.request_id,
                json.dumps(entry.detail, sort_keys=True),
                entry.prev_hash,
                entry.hash,
            ),
        )


class SqliteStore(Store):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._thread_writer = threading.RLock()
        self._writer_file: tuple[int, int] | None = None

    # Connections -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if not self.path.parent.is_dir():
                raise StoreError(f"data directory {self.path.parent} does not exist")
            # The database (and so its WAL and shared-memory files, which SQLite creates
            # with the database's own mode) is the hub's alone, whatever the umask.
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
            private_file(self.path)
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn().execute(sql, params).fetchone()
        return row

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
        if self._writer_file is not None and self._writer_file[0] == os.getpid():
            os.close(self._writer_file[1])
        self._writer_file = None

    # Schema ------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def latest_schema(self) -> int:
        return _migrations()[-1][0]

    def migrate(self, progress: Progress = quiet) -> int:
        conn = self._conn()
        current = self.schema_version()
        for version, name, sql in _migrations():
            if version <= current:
                continue
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version:d}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"migration {name} failed: {exc}") from exc
            current = version
        return current

    @contextmanager
    def _transaction(self, partition: str = HUB) -> Iterator[Transaction]:
        # One writer at a time for the whole file (BEGIN IMMEDIATE): every partition is one.
        conn = self._conn()
        ready: _Ready = getattr(self._local, "ready", None) or {}
        self._local.ready = None
        with self._writer():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(conn, ready)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
        self._checkpoint_now_and_then(conn)

    def _checkpoint_now_and_then(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL back into the database every `CHECKPOINT_EVERY` commits of this
        connection, once the writer lock is released. SQLite's own checkpoint runs inside
        the commit that crosses its threshold, while that writer holds the lock every
        other writer waits on (bench/ingest served: 15 commits in 1,000 held it 80-120 ms
        more). A passive checkpoint runs beside the next writers; SQLite's threshold stays
        as a backstop for a connection that never commits often enough."""
        commits = getattr(self._local, "commits", 0) + 1
        self._local.commits = commits
        if commits % CHECKPOINT_EVERY == 0:
            # The commit is durable in the WAL already: a checkpoint that fails is tried
            # again 32 commits later (or by SQLite's backstop), and must not make the
            # caller believe its write was lost.
            with suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def prepare(self, kind: Kind[T], items: Sequence[T]) -> None:
        """Encode the rows now, outside the writer lock: a host's 268 finding rows took
        about 1 ms to encode, a ninth of the time every other writer waited for the lock
        (bench/ingest). Kept for this thread's next transaction only."""
        encoder = _row_encoder(kind.cls)  # type: ignore[arg-type]
        ready: _Ready = getattr(self._local, "ready", None) or {}
        ready.update((id(item), (item, encoder(item))) for item in items)
        self._local.ready = ready

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """Writers queue on a lock instead of SQLite's busy handler, which polls with
        sleeps of up to 100 ms: with several workers (gunicorn) and threads each, a
        commit of a few milliseconds left the next writer asleep for many times that
        (bench/ingest served mode). Threads of a process take turns on a lock, processes
        on an flock of `<db>-writer`, and whoever waits wakes when it is released."""
        with self._thread_writer:
            fd = self._writer_fd()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _writer_fd(self) -> int:
        # Opened by each process for itself: a descriptor inherited over fork would share
        # one lock between parent and child.
        if self._writer_file is None or self._writer_file[0] != os.getpid():
            path = self.path.with_name(f"{self.path.name}-writer")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            self._writer_file = (os.getpid(), fd)
        return self._writer_file[1]

    # Reads -------------------------------------------------------------------
    def _fetch(self, kind: Kind[T], item_id: str) -> T | None:
        table, mapper = _TABLES[kind.name]
        row = self._one(f"SELECT * FROM {table} WHERE id = ?", (item_id,))
        return None if row is None else cast(T, mapper(row))

    def _where(self, kind: Kind[T], query: Query) -> tuple[str, str, list[Any]]:
        """The table, WHERE clause and parameters of a query (all but order and limit)."""
        table = _TABLES[kind.name][0]
        where: list[str] = []
        params: list[Any] = []
        # A field equal to a value is the one-value case of `In`, written once there
        # (lookups, list fields, boolean literals); SQLite plans `IN (?)` as `= ?`.
        for name, value in query.equals.items():
            sql, values = _condition(table, In(name, (value,)))
            where.append(sql)
            params.extend(values)
        if query.ids is not None:
            where.append(f"id IN ({', '.join('?' for _ in query.ids) or 'NULL'})")
            params.extend(query.ids)
        if query.not_since is not None:
            name, before = query.not_since
            # Stored times share one ISO form and zone (UTC), so text order is time order.
            where.append(f"({name} IS NULL OR {name} < ?)")
            params.append(_stored_time(before))
        for condition in query.where:
            sql, values = _condition(table, condition)
            where.append(sql)
            params.extend(values)
        if query.newer is not None:
            where.append(f"{query.newer[0]} > ?")
            params.append(_stored_time(query.newer[1]))
        if query.older is not None:
            where.append(f"{query.older[0]} < ?")  # NULL compares as not older
            params.append(_stored_time(query.older[1]))
        order = query.order_by
        if isinstance(query.after, tuple):
            where.append(f"({order} > ? OR ({order} = ? AND id > ?))")
            at = _stored_time(query.after[0])
            params.extend([at, at, query.after[1]])
        elif query.after is not None:
            where.append("id > ?")
            params.append(query.after)
        if _looks_up(table, query):
            table += " NOT INDEXED"
        elif index := _index_for(table, query):
            table += f" INDEXED BY {index}"
        return table, f" WHERE {' AND '.join(where)}" if where else "", params

    def _select_page(self, kind: Kind[T], query: Query) -> list[T]:
        table, clause, params = self._where(kind, query)
        sort = "id" if query.order_by == "id" else f"{query.order_by}, id"
        rows = self._rows(
            f"SELECT * FROM {table}{clause} ORDER BY {sort} LIMIT ?", [*params, query.limit]
        )
        mapper = _TABLES[kind.name][1]
        return [cast(T, mapper(r)) for r in rows]

    def _count_by(self, kind: Kind[T], field: str, query: Query) -> dict[str, int]:
        table, clause, params = self._where(kind, query)
        rows = self._rows(
            f"SELECT {field} AS k, count(*) AS n FROM {table}{clause} GROUP BY {field}", params
        )
        return {str(r["k"]): int(r["n"]) for r in rows}

    def _count(self, kind: Kind[T], query: Query) -> int:
        table, clause, params = self._where(kind, query)
        row = self._one(f"SELECT count(*) FROM {table}{clause}", params)
        return int(row[0]) if row else 0

    def _packages(self, source: str, where: str, owner_id: str) -> list[Package]:
        rows = self._rows(
            f"SELECT purl, name, version, ecosystem FROM {source} WHERE {where} = ? ORDER BY purl",
            (owner_id,),
        )
        return [Package(r["purl"], r["name"], r["version"], r["ecosystem"]) for r in rows]

    def list_asset_packages(self, asset_id: str) -> list[Package]:
        return self._packages(
            "asset_software a JOIN software_sets s ON s.set_id = a.set_id", "a.asset_id", asset_id
        )

    def list_sbom_packages(self, sbom_id: str) -> list[Package]:
        return self._packages("sbom_packages", "sbom_id", sbom_id)

    def assets_matching(self, keys: Sequence[str]) -> list[str]:
        found: set[str] = set()
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = self._rows(self._assets_matching_sql(len(chunk)), chunk * 2)
            found |= {r["asset_id"] for r in rows}
        return sorted(found)

    def assets_running(self, purl: str) -> list[str]:
        key = package_key(purl) or ""
        rows = self._rows(self._assets_running_sql(), (key, key, purl))
        return [r["asset_id"] for r in rows]

    @staticmethod
    def _assets_matching_sql(keys: int) -> str:
        """The hosts running a set that holds one of `keys` match keys (bound twice)."""
        marks = ", ".join("?" for _ in range(keys))
        return (
            f"SELECT DISTINCT a.asset_id FROM ({SOFTWARE_SETS.holding(marks)}) holders"
            " CROSS JOIN asset_software a ON a.set_id = holders.set_id"
        )

    @staticmethod
    def _assets_running_sql() -> str:
        """The hosts running one purl: the sets holding its match key (bound twice), then
        the purl through each set's primary key (bound once)."""
        return (
            f"SELECT DISTINCT a.asset_id FROM ({SOFTWARE_SETS.holding('?')}) holders"
            " CROSS JOIN software_sets s ON s.set_id = holders.set_id AND s.purl = ?"
            " CROSS JOIN asset_software a ON a.set_id = s.set_id ORDER BY a.asset_id"
        )

    def latest_scores(self, subjects: Sequence[str], as_of: datetime) -> dict[str, ScoreRecord]:
        # SQLite fills the bare columns of a max() aggregate from the row holding the max,
        # and the (subject, computed_at) index serves each group from its last entry.
        found: dict[str, ScoreRecord] = {}
        unique = sorted(set(subjects))
        read = _TABLES["scores"][1]
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = self._rows(
                "SELECT *, max(computed_at) AS latest FROM scores"
                f" WHERE subject IN ({', '.join('?' for _ in chunk)}) AND computed_at <= ?"
                " GROUP BY subject",
                [*chunk, encode_time(as_of)],
            )
            for row in rows:
                record = cast(ScoreRecord, read(row))
                found[record.subject] = record
        return found

    def intel_stamp(self) -> str:
        row = self._one("SELECT generation FROM intel_stamp")
        return "" if row is None else str(row[0])  # triggers on `intel` count every write

    def intel_digests(self, source: IntelSource) -> dict[str, str]:
        rows = self._rows("SELECT id, digest FROM intel WHERE source = ?", (source.value,))
        return {r["id"]: r["digest"] for r in rows}

    def summarize_findings(self, *, org_id: str | None = None) -> list[FindingCount]:
        where, params = ("WHERE org_id = ?", [org_id]) if org_id is not None else ("", [])
        rows = self._rows(
            f"SELECT org_id, severity, status, count(*) AS n FROM findings {where}"
            " GROUP BY org_id, severity, status ORDER BY org_id, severity, status",
            params,
        )
        return [FindingCount(r["org_id"], r["severity"], r["status"], r["n"]) for r in rows]

    def audit_head(self) -> AuditEntry | None:
        row = self._one("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
        return None if row is None else _audit(row)

    def iter_audit(self, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        cursor = self._conn().execute(
            "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, -1 if limit is None else limit),
        )
        for row in cursor:
            yield _audit(row)

    def counts(self) -> StoreCounts:
        row = self._one(
            "SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM systems),"
            " (SELECT count(*) FROM assets), (SELECT count(*) FROM asset_software a"
            " JOIN software_sets s ON s.set_id = a.set_id),"
            " (SELECT count(*) FROM api_tokens), (SELECT count(*) FROM audit_log),"
            " (SELECT count(*) FROM findings), (SELECT count(*) FROM sboms),"
            " (SELECT count(*) FROM products), (SELECT count(*) FROM intel)"
        )
        assert row is not None
        return StoreCounts(*(int(v) for v in row))


def _split_sql(script: str) -> list[str]:
    """Statements of a migration, keeping trigger bodies whole (sqlite3.complete_statement)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
