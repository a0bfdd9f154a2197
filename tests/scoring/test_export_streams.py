"""Issue 20: exports stream their findings. The bytes are those of the whole-list
serializers, and memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.risk.exports.auditor import FINDING_COLUMNS
from hub.risk.exports.streams import write_rows

ROOT = Path(__file__).resolve().parents[2]


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


PEAK = """
import sys, tracemalloc
from pathlib import Path
from tests.scoring.test_export_streams import rows
from hub.risk.exports.auditor import FINDING_COLUMNS
from hub.risk.exports.streams import write_rows
n, out = int(sys.argv[1]), Path(sys.argv[2])
tracemalloc.start()
write_rows(rows(n), out / f"{n}.csv", out / f"{n}.json", FINDING_COLUMNS)
print(tracemalloc.get_traced_memory()[1])
"""


def peak(tmp_path: Path, n: int) -> int:
    """The peak traced while `n` rows are written, in a process of its own: tracemalloc
    counts every thread, and a worker of the test run may have others running (a server
    or scorer from an earlier test), whose allocations are not the export's."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(n), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    small, large = peak(tmp_path, 2_000), peak(tmp_path, 40_000)
    # Twenty times the rows: a list of them would need twenty times the memory.
    assert large < small * 2, (small, large)
