"""Reverse lookups of sets (a software set by match key, a group of vulnerabilities by
vulnerability) that new sets enter a batch at a time.

A set is stored once, in the order of its own id, and shared by every host that has it.
Finding the sets that hold one key needs the reverse order, and entering a new set into
it one set per commit cost a page per key: a host of its own (an image with a few
packages changed) brings a new software set of ~300 packages and a new group of ~268
vulnerabilities, and their entries in the reverse order were most of the ~540 pages its
commit wrote, against 126 for a host of an image (bench/ingest). Those pages hold the same
keys for every such host, since such hosts share most of their image.

So a new set waits in a pending table, and once `PENDING_LIMIT` sets wait, one commit
enters them all into the reverse table in key order: each page of it is written once for
the batch instead of once per set. A lookup reads the reverse table and the pending sets'
own rows (up to `PENDING_LIMIT` sets, each read through its primary key), so it never
misses a set.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# Sets that wait before entering the reverse table together. A batch writes each page of
# the reverse table it reaches once, so the larger it is, the fewer pages per set; a
# lookup seeks its keys in every waiting set, and the commit that enters a batch holds
# the writer lock while it does. 256 measured 15% faster over bench/ingest's hosts of
# their own than 64 (176 WAL pages per such host against 285). Re-matches took as long;
# a lookup by match key with a full batch waiting took 5.6 ms against 1.4 ms
# (docs/performance.md, "Ninth round").
PENDING_LIMIT = 256


@dataclass(frozen=True)
class Reverse:
    """`table` holds each set's rows, keyed by (`owner`, ...); `reverse` is (`key`,
    `owner`), and `pending` names the sets not in it yet (migration 0023)."""

    table: str
    owner: str
    key: str
    reverse: str
    pending: str

    def added(self, conn: sqlite3.Connection, owner_id: str) -> None:
        """A new set's rows are written: it waits, and the batch enters when full. Called
        in the transaction that wrote the rows."""
        conn.execute(f"INSERT OR IGNORE INTO {self.pending} ({self.owner}) VALUES (?)", (owner_id,))
        (waiting,) = conn.execute(f"SELECT count(*) FROM {self.pending}").fetchone()
        if waiting >= PENDING_LIMIT:
            self._enter_pending(conn)

    def _enter_pending(self, conn: sqlite3.Connection) -> None:
        """Every waiting set into the reverse table, sorted: its pages in key order, each
        written once."""
        conn.execute(
            f"INSERT OR IGNORE INTO {self.reverse} ({self.key}, {self.owner})"
            f" SELECT t.{self.key}, t.{self.owner} FROM {self.pending}"
            f" CROSS JOIN {self.table} t ON t.{self.owner} = {self.pending}.{self.owner}"
            f" ORDER BY 1, 2"
        )
        conn.execute(f"DELETE FROM {self.pending}")

    def drop(self, conn: sqlite3.Connection, owner_id: str) -> None:
        """Delete a set its last holder left: its reverse entries (or its wait) first,
        read from its rows while they are still there, then the rows."""
        conn.execute(
            f"DELETE FROM {self.reverse} WHERE ({self.key}, {self.owner}) IN"
            f" (SELECT {self.key}, {self.owner} FROM {self.table} WHERE {self.owner} = ?)",
            (owner_id,),
        )
        conn.execute(f"DELETE FROM {self.pending} WHERE {self.owner} = ?", (owner_id,))
        conn.execute(f"DELETE FROM {self.table} WHERE {self.owner} = ?", (owner_id,))

    def holding(self, marks: str) -> str:
        """SQL of (owner, key) for every set holding one of the keys bound to `marks`,
        which appear twice (bind the values twice)."""
        return (
            f"SELECT {self.owner}, {self.key} FROM {self.reverse} WHERE {self.key} IN ({marks})"
            # CROSS JOIN keeps the pending sets outside: without statistics SQLite would
            # rather walk every set's rows and look each up among the pending.
            f" UNION ALL SELECT t.{self.owner}, t.{self.key} FROM {self.pending}"
            f" CROSS JOIN {self.table} t ON t.{self.owner} = {self.pending}.{self.owner}"
            f" WHERE t.{self.key} IN ({marks})"
        )
