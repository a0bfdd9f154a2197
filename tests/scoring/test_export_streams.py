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
from hub.risk.exports.streams import end_object, hashed, json_object_with_array, write_rows

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


@pytest.mark.parametrize("n", [0, 1, 3])
def test_an_object_with_a_streamed_array_is_json_dumps_bytes(tmp_path: Path, n: int) -> None:
    """inputs.json: its small keys first, then the systems written one at a time."""
    head = {"now": "2026-12-03T00:00:00+00:00", "organizations": ["a", "b"], "scope": "nation"}
    with hashed(tmp_path / "inputs.json") as out:
        array = json_object_with_array(out, head, "systems")
        for row in rows(n):
            array.add(row)
        array.close()
        end_object(out)
    whole = {**head, "systems": list(rows(n))}
    expected = (json.dumps(whole, indent=2, sort_keys=True, default=str) + "\n").encode()
    assert (tmp_path / "inputs.json").read_bytes() == expected
    assert json.loads(expected) == whole


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


EXPORT_PEAK = """
import argparse, sys, tempfile, tracemalloc
from pathlib import Path
from bench.score.__main__ import NOW, build
from hub.core.model import AuditDraft
from hub.core.store.sqlite import SqliteStore
from hub.risk.exports import auditor
agencies = int(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    store = SqliteStore(Path(d) / "hub.db")
    store.migrate()
    build(store, argparse.Namespace(agencies=agencies, systems=5, assets=10, findings=3))
    tracemalloc.start()
    auditor.create(store, Path(d), Path(d) / "out", None, NOW,
                   lambda detail: AuditDraft("t", "export.create", "nation", "t", detail))
    peak = tracemalloc.get_traced_memory()[1]
    assert auditor.verify(Path(d) / "out") == []
    print(peak)
"""


def export_peak(agencies: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_PEAK, str(agencies)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def test_a_whole_export_holds_one_system_at_a_time_not_the_nation() -> None:
    """Scores, contributions and inputs are written system by system as they are scored,
    and the report keeps only the agencies' records and top actions (issue 20, goal 4: an
    export at 100,000 assets held 2.1 GB). Ten times the assets (in ten times the systems)
    must not need anything like ten times the memory; the code before needed 9.5 times."""
    small, large = export_peak(2), export_peak(20)
    assert large < small * 2, (small, large)
