"""Export files written row by row, hashed as they are written.

An export of a nation holds millions of findings; built in memory first, it needed
gigabytes at 100,000 assets. Written here one row at a time, memory stays flat in the
number of rows, and the bytes are exactly those the whole-list serializers produce
(`json.dumps(rows, indent=2, sort_keys=True)` and a `csv.DictWriter`), so an export's
format does not depend on how it was written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from collectors.files import FILE_MODE, private_file


class HashedFile:
    """A private file (0600 from its first byte) and the SHA-256 of what went into it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self._sha.update(data)
        self._raw.write(data)

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


@contextmanager
def hashed(path: Path) -> Iterator[HashedFile]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb", buffering=1 << 20) as raw:
        yield HashedFile(raw)
    private_file(path)


def csv_cell(value: Any) -> Any:
    return ";".join(value) if isinstance(value, tuple | list) else value


class CsvRows:
    """Rows into `out` as `csv.DictWriter` writes them, the header first."""

    def __init__(self, out: HashedFile, columns: tuple[str, ...]) -> None:
        self._out = out
        self._buffer = io.StringIO()
        self._writer = csv.DictWriter(
            self._buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        self._writer.writeheader()
        self._flush()

    def _flush(self) -> None:
        self._out.write(self._buffer.getvalue().encode())
        self._buffer.seek(0)
        self._buffer.truncate()

    def add(self, row: dict[str, Any]) -> None:
        self._writer.writerow({k: csv_cell(v) for k, v in row.items()})
        self._flush()


class JsonArray:
    """Rows into `out` as one JSON array, byte for byte what `json.dumps(rows, indent=2,
    sort_keys=True, default=str)` and a final newline give; at `depth` 1, as the array
    is written when it is the value of a key of an object (`JsonObject`), no newline."""

    def __init__(self, out: HashedFile, depth: int = 0) -> None:
        self._out = out
        self._count = 0
        self._margin = "  " * (depth + 1)
        self._end = "\n" if depth == 0 else ""
        self._depth = depth

    def add(self, row: Any) -> None:
        text = json.dumps(row, indent=2, sort_keys=True, default=str)
        indented = "\n".join(f"{self._margin}{line}" for line in text.split("\n"))
        self._out.write((("[\n" if self._count == 0 else ",\n") + indented).encode())
        self._count += 1

    def close(self) -> None:
        if self._count == 0:
            self._out.write(f"[]{self._end}".encode())
        else:
            self._out.write(f"\n{'  ' * self._depth}]{self._end}".encode())


def json_object_with_array(out: HashedFile, head: dict[str, Any], key: str) -> JsonArray:
    """Start an object of `head`'s keys and `key`, which sorts after all of them, its value
    an array the caller fills and closes, then `end_object`: the bytes `json.dumps(...,
    indent=2, sort_keys=True)` would give for the whole object, written as it goes."""
    assert all(k < key for k in head), "the streamed key must sort last"
    text = json.dumps({**head, key: []}, indent=2, sort_keys=True, default=str)
    opening = text[: text.rindex("[]")]
    out.write(opening.encode())
    return JsonArray(out, depth=1)


def end_object(out: HashedFile) -> None:
    out.write(b"\n}\n")


def write_rows(
    rows: Iterable[dict[str, Any]], csv_path: Path, json_path: Path, columns: tuple[str, ...]
) -> tuple[str, str, int]:
    """One pass over `rows` into a CSV and a JSON file; (csv sha256, json sha256, rows)."""
    count = 0
    with hashed(csv_path) as as_csv, hashed(json_path) as as_json:
        table, array = CsvRows(as_csv, columns), JsonArray(as_json)
        for row in rows:
            table.add(row)
            array.add(row)
            count += 1
        array.close()
    return as_csv.sha256, as_json.sha256, count
