"""Which findings name a vulnerability, without an index of findings by vulnerability.

Such an index costs every host report one scattered page per finding: a host's ~268
findings name ~268 vulnerabilities, each in its own part of the index, and SQLite writes
every page a commit touched (bench/ingest: 268 of an image host's ~400 pages). Hosts
built from one image name the same vulnerabilities, so the lookup goes through groups:
a host's group is every vulnerability its findings have named, stored once per distinct
set (`vuln_groups`) and shared by every host with that set (`asset_vuln_groups`). A host
of a known image adds one row. Findings are never deleted, so a host's set only grows,
and a group may hold more than a host has now: the lookup joins the findings themselves,
so a group only has to hold at least what its hosts have. Findings without a host (from
SBOMs, `asset_id` empty) arrive by the thousand in one commit and are found through the
(asset_id, vuln_id) index that serves the join (migration 0017). A new group enters the
lookup by vulnerability with a batch of others (`inverted`, migration 0023).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence

from hub.core.model import Finding
from hub.core.store.sqlite.inverted import Reverse

GROUPS = Reverse("vuln_groups", "group_id", "vuln_id", "vuln_group_keys", "vuln_groups_pending")


def naming(marks: str) -> str:
    """A condition on `findings`: the row names one of the vulnerabilities bound to
    `marks`, which appear three times (bind the values three times)."""
    return (
        "rowid IN (SELECT rowid FROM findings WHERE asset_id = '' AND vuln_id IN"
        f" ({marks}) UNION ALL SELECT f.rowid FROM ({GROUPS.holding(marks)}) g"
        " CROSS JOIN asset_vuln_groups a ON a.group_id = g.group_id"
        " CROSS JOIN findings f ON f.asset_id = a.asset_id AND f.vuln_id = g.vuln_id)"
    )


def record(conn: sqlite3.Connection, findings: Sequence[Finding]) -> None:
    """Keep every host of these findings in a group that holds their vulnerabilities;
    called in the transaction that writes them."""
    by_asset: dict[str, set[str]] = {}
    for f in findings:
        if f.asset_id:
            by_asset.setdefault(f.asset_id, set()).add(f.vuln_id)
    for asset_id, vulns in by_asset.items():
        _regroup(conn, asset_id, vulns)


def _group_id(vulns: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(vulns)).encode()).hexdigest()[:32]


def _regroup(conn: sqlite3.Connection, asset_id: str, vulns: set[str]) -> None:
    row = conn.execute(
        "SELECT group_id FROM asset_vuln_groups WHERE asset_id = ?", (asset_id,)
    ).fetchone()
    old = None if row is None else str(row[0])
    if old is not None:
        held = {
            r[0] for r in conn.execute("SELECT vuln_id FROM vuln_groups WHERE group_id = ?", (old,))
        }
        if vulns <= held:
            return
        vulns = vulns | held
    group = _group_id(vulns)
    known = conn.execute("SELECT 1 FROM vuln_groups WHERE group_id = ? LIMIT 1", (group,))
    if known.fetchone() is None:
        conn.executemany(
            "INSERT INTO vuln_groups (group_id, vuln_id) VALUES (?, ?)",
            [(group, v) for v in sorted(vulns)],
        )
        GROUPS.added(conn, group)
    conn.execute(
        "INSERT INTO asset_vuln_groups (asset_id, group_id) VALUES (?, ?)"
        " ON CONFLICT (asset_id) DO UPDATE SET group_id = excluded.group_id",
        (asset_id, group),
    )
    if old is not None:
        left = conn.execute("SELECT 1 FROM asset_vuln_groups WHERE group_id = ? LIMIT 1", (old,))
        if left.fetchone() is None:
            GROUPS.drop(conn, old)
