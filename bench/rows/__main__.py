"""What one host's findings cost SQLite at the row level, whatever the hub does around it:
268 finding rows per host into the findings table with its real indexes, four ways.

    python -m bench.rows [--hosts 1000] [--per-host 268]

- per host: one commit per host, ids spread at random (UUIDv5, the ids before issue 20);
- batched: 50 hosts per commit, same ids;
- per host, clustered ids: ids that start with their host's prefix (the hub's UUIDv8 ids
  since issue 20), so one host's rows land next to each other in the primary key and the
  id-suffixed indexes;
- batched, clustered ids: both.

The table and indexes are the hub's own (its migrations, applied to an empty file), and
rows are prepared before timing starts: the figures are SQLite's alone, the floor under
any per-host design (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite.store import PRAGMAS

COLUMNS = (
    "id, org_id, system_id, asset_id, purl, vuln_id, severity, cvss, kev, epss, status,"
    " first_seen, last_seen, fixed_at, sbom_id, product_id, aliases, summary, kev_due, vex,"
    " justification, fixed_in"
)
SEEN = "2026-12-01T00:00:00.000000+00:00"


def host_rows(host: int, per_host: int, clustered: bool) -> list[tuple[Any, ...]]:
    asset = hashlib.sha256(f"asset{host}".encode()).hexdigest()[:32]
    rows = []
    for i in range(per_host):
        digest = hashlib.sha256(f"{asset}|{i}".encode()).hexdigest()
        finding_id = asset[:12] + digest[:20] if clustered else digest[:32]
        rows.append(
            (finding_id, "org-1", "sys-1", asset, f"pkg:deb/debian/lib{i}@1.2.{i % 7}",
             f"CVE-2098-{i:05d}", "high", 7.5, 0, 0.1, "open", SEEN, SEEN, None, "", "",
             '["GHSA-xxxx"]', "a summary of the usual length for an advisory", None, "", "",
             '["1.2.9"]')
        )  # fmt: skip
    return rows


def run(hosts: int, per_host: int, batch: int, clustered: bool) -> float:
    work = Path(tempfile.mkdtemp(prefix="bench-rows-"))
    store = SqliteStore(work / "crsa.db")
    store.migrate()
    store.close()
    conn = sqlite3.connect(work / "crsa.db", isolation_level=None)
    for pragma in PRAGMAS:  # the hub's own connection settings
        conn.execute(f"PRAGMA {pragma}")
    prepared = [host_rows(h, per_host, clustered) for h in range(hosts)]
    sql = f"INSERT INTO findings ({COLUMNS}) VALUES ({', '.join('?' for _ in range(22))})"
    started = time.perf_counter()
    for start in range(0, hosts, batch):
        conn.execute("BEGIN")
        for rows in prepared[start : start + batch]:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return hosts * per_host / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--per-host", type=int, default=268)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {"hosts": args.hosts, "rows_per_host": args.per_host}
    for label, batch, clustered in (
        ("per_host_commit", 1, False),
        ("batched_50_hosts", 50, False),
        ("per_host_commit_clustered_ids", 1, True),
        ("batched_clustered_ids", 50, True),
    ):
        rate = run(args.hosts, args.per_host, batch, clustered)
        results[label] = {
            "rows_per_second": round(rate),
            "hosts_per_second_ceiling": round(rate / args.per_host, 1),
        }
        print(f"{label}: {rate:,.0f} rows/s = at most {rate / args.per_host:.0f} hosts/s")
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
