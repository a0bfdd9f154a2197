"""SQLite reads rows through a reader compiled once per class and column order (issue 20:
decoding a host's findings through the document codec was most of what a known host's
daily report and every re-match cost). It must give exactly what the codec gives, in any
column order, and convert a text that repeats across rows once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.core import jsontext
from hub.core.model import Finding, FindingStatus, Severity
from hub.core.records.telemetry import AssetTelemetry
from hub.core.store.codec import decode
from hub.core.store.interface import FINDINGS, TELEMETRY
from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite.reading import reader

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _finding(n: int, **changes: Any) -> Finding:
    values: dict[str, Any] = {
        "id": f"f{n}", "org_id": "o", "system_id": "s", "asset_id": f"a{n % 2}",
        "purl": f"pkg:deb/debian/lib{n}@1.0", "vuln_id": f"CVE-2026-{n:04d}",
        "severity": Severity.HIGH, "cvss": 7.5, "kev": n % 2 == 0, "epss": None,
        "status": FindingStatus.OPEN, "first_seen": NOW,
        "last_seen": NOW + timedelta(seconds=1), "fixed_at": None,
        "aliases": ("GHSA-aaaa", "DSA-1"), "kev_due": "2026-12-31", "fixed_in": ("1.1",),
        "summary": "a summary", "vex": "", "justification": "",
    }  # fmt: skip
    values.update(changes)
    return Finding(**values)


def _as_codec_read(row: sqlite3.Row, json_columns: set[str]) -> dict[str, Any]:
    """The row as the codec read it before: a dict, JSON columns loaded."""
    names = row.keys()  # a Row iterates over its values
    return {k: jsontext.loads(row[k]) if k in json_columns else row[k] for k in names}


def test_rows_read_back_as_the_codec_reads_them(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    findings = [
        _finding(0),
        _finding(1, kev=False, epss=0.02, aliases=(), fixed_in=(), kev_due=None),
        _finding(2, status=FindingStatus.FIXED, fixed_at=NOW + timedelta(days=1), vex=""),
        _finding(3, cvss=None, severity=Severity.UNKNOWN, summary="", sbom_id="b"),
    ]
    telemetry = AssetTelemetry(
        id="a0", org_id="o", system_id="s", collected_at=NOW, kernel="6.1",
        checks_failed=1, checks_passed=2, data={"ports": [{"port": 22}], "domains": []},
    )  # fmt: skip
    with store.transaction() as tx:
        tx.put_findings(findings)
        tx.put_telemetry(telemetry)
    conn = sqlite3.connect(tmp_path / "crsa.db")
    conn.row_factory = sqlite3.Row
    for kind, table, json_columns, expected in (
        (FINDINGS, "findings", {"aliases", "fixed_in"}, findings),
        (TELEMETRY, "telemetry", {"data"}, [telemetry]),
    ):
        read = reader(kind.cls)
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        for order in (columns, list(reversed(columns))):
            rows = conn.execute(f"SELECT {', '.join(order)} FROM {table} ORDER BY id").fetchall()
            got = [read(r) for r in rows]
            assert got == [decode(kind.cls, _as_codec_read(r, json_columns)) for r in rows]
            assert got == expected
    assert [f.id for f in store.iter_all(FINDINGS)] == ["f0", "f1", "f2", "f3"]
    assert list(store.iter_all(FINDINGS)) == findings


@dataclass(frozen=True)
class _Later:
    name: str
    at: datetime | None
    tags: tuple[str, ...]
    pairs: tuple[dict[str, Any], ...]
    meta: dict[str, Any]
    flag: bool
    added: str = "default"
    more: tuple[str, ...] = field(default_factory=tuple)


def test_a_field_without_a_column_takes_its_default_and_values_convert() -> None:
    """A table read before a column was added: the field's default, as the codec gives a
    document written before the field existed."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE later (flag, meta, pairs, tags, at, name)")
    conn.execute(
        "INSERT INTO later VALUES (1, ?, ?, ?, ?, 'n')",
        ('{"k": [1]}', '[{"a": 1}]', '["x", "y"]', NOW.isoformat()),
    )
    conn.execute("INSERT INTO later VALUES (0, '{}', '[]', '[]', NULL, 'm')")
    first, second = (reader(_Later)(r) for r in conn.execute("SELECT * FROM later"))
    assert first == _Later("n", NOW, ("x", "y"), ({"a": 1},), {"k": [1]}, True)
    assert second == _Later("m", None, (), (), {}, False)
    assert first.flag is True and second.flag is False
    assert first.added == "default" and first.more == ()


def test_a_text_repeated_across_rows_is_converted_once() -> None:
    """A fleet's hosts share their components' aliases and fixed versions, and one host's
    findings share their times: each such text becomes one value, shared by the rows."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE later (name, at, tags, pairs, meta, flag)")
    for name in ("a", "b"):
        conn.execute(
            "INSERT INTO later VALUES (?, ?, '[\"GHSA-1\", \"DSA-2\"]', '[{\"a\": 1}]', '{}', 1)",
            (name, NOW.isoformat()),
        )
    a, b = (reader(_Later)(r) for r in conn.execute("SELECT * FROM later"))
    assert a.tags == ("GHSA-1", "DSA-2") and a.tags is b.tags
    assert a.at == NOW and a.at is b.at
    # Mutable values are never shared between rows.
    assert a.pairs == b.pairs and a.pairs[0] is not b.pairs[0]
    assert a.meta is not b.meta
