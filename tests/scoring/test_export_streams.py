"""Issue 20: exports stream their findings. The bytes are those of the whole-list
serializers, and memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.risk.exports.auditor import FINDING_COLUMNS
from hub.risk.exports.streams import write_rows


def whole_csv(table: list[dict[str, Any]]) -> bytes:
    """What the export wrote before it streamed: the whole list through one DictWriter."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=FINDING_COLUMNS, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in table:
        writer.writerow(
            {k: ";".join(v) if isinstance(v, tuple | list) else v for k, v in row.items()}
        )
    return out.getvalue().encode()


def whole_json(table: list[dict[str, Any]]) -> bytes:
    return (json.dumps(table, indent=2, sort_keys=True, default=str) + "\n").encode()


def rows(n: int) -> Iterator[dict[str, Any]]:
    for k in range(n):
        yield {
            "id": f"f-{k:07d}",
            "vuln_id": f"CVE-2026-{k % 9000:05d}",
            "purl": f"pkg:pypi/p{k % 300}@1.{k % 7}.0",
            "aliases": ["GHSA-x", f"OSV-{k}"],
            "summary": 'quotes " and, commas\nand a newline',
            "cvss": None if k % 3 else 7.5,
            "kev": k % 11 == 0,
        }


@pytest.mark.parametrize("n", [0, 1, 57])
def test_streamed_files_are_the_whole_list_serializers_bytes(tmp_path: Path, n: int) -> None:
    csv_sha, json_sha, count = write_rows(
        rows(n), tmp_path / "f.csv", tmp_path / "f.json", FINDING_COLUMNS
    )
    assert count == n
    assert (tmp_path / "f.csv").read_bytes() == whole_csv(list(rows(n)))
    assert (tmp_path / "f.json").read_bytes() == whole_json(list(rows(n)))
    assert (tmp_path / "f.csv").stat().st_mode & 0o777 == 0o600
    assert csv_sha == hashlib.sha256((tmp_path / "f.csv").read_bytes()).hexdigest()
    assert json_sha == hashlib.sha256((tmp_path / "f.json").read_bytes()).hexdigest()


def peak(tmp_path: Path, n: int) -> int:
    tracemalloc.start()
    write_rows(rows(n), tmp_path / f"{n}.csv", tmp_path / f"{n}.json", FINDING_COLUMNS)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def test_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    small, large = peak(tmp_path, 2_000), peak(tmp_path, 40_000)
    # Twenty times the rows: a list of them would need twenty times the memory.
    assert large < small * 2, (small, large)
