"""Rows back into values: a reader compiled once per class and column order.

Reading a host's findings (every daily report of a known host, every re-match) decoded
each row through the document codec: a dict of the row, then value by value by the
field plan, each time from stored text. Here each column is converted where it stands
(by the same plan as `codec.decode`, so both backends read a value alike), and texts
that repeat across rows are converted once: one host's findings share their times, and
a fleet's hosts share their components' aliases and fixed versions. The value is still
built through its class, so every check of `__post_init__` still runs.
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from hub.core import jsontext
from hub.core.store import codec

T = TypeVar("T")


@functools.lru_cache(maxsize=65_536)
def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@functools.lru_cache(maxsize=65_536)
def _texts(text: str) -> tuple[str, ...]:
    """A JSON list of strings as a tuple: immutable through and through, so one value
    may be shared by every row that stored the same text."""
    return tuple(jsontext.loads(text))


def _tuple(text: str) -> tuple[Any, ...]:
    return tuple(jsontext.loads(text))


def _conversion(field: dataclasses.Field[Any], conversion: int) -> Callable[[Any], Any] | None:
    """How a stored column becomes the field's value; None when it is the value already.
    Tuples and dicts are JSON text in SQLite (`_json_column`, `_tuple_column`)."""
    kind = str(field.type)
    if conversion == codec.TIME:
        return _time
    if conversion == codec.TUPLE:
        return _texts if kind == "tuple[str, ...]" else _tuple
    if conversion == codec.BOOL:
        return bool
    if kind.startswith("dict"):
        return jsontext.loads
    return None


def _compile(cls: type[T], columns: tuple[str, ...]) -> Callable[[sqlite3.Row], T]:
    """One expression building `cls` from a row of these columns, by position. A field
    with no column takes its default (a column added after the row's table was read), or
    None, as `codec.decode` gives it."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    position = {name: n for n, name in enumerate(columns)}
    scope: dict[str, Any] = {"cls": cls}
    arguments = []
    for name, conversion, defaulted in codec.field_plan(cls):  # type: ignore[arg-type]
        if name not in position:
            if not defaulted:
                arguments.append(f"{name}=None")
            continue
        n = position[name]
        convert = _conversion(fields[name], conversion)
        if convert is None:
            arguments.append(f"{name}=row[{n}]")
        else:
            scope[f"_c{n}"] = convert
            arguments.append(f"{name}=None if (v := row[{n}]) is None else _c{n}(v)")
    exec(f"def read(row):\n    return cls({', '.join(arguments)})\n", scope)  # noqa: S102
    read: Callable[[sqlite3.Row], T] = scope["read"]
    return read


def reader(cls: type[T]) -> Callable[[sqlite3.Row], T]:
    """Rows of `cls`'s table as values, whatever the order of the columns a query gave."""
    compiled: dict[tuple[str, ...], Callable[[sqlite3.Row], T]] = {}

    def read(row: sqlite3.Row) -> T:
        columns = tuple(row.keys())
        found = compiled.get(columns)
        if found is None:
            found = compiled.setdefault(columns, _compile(cls, columns))
        return found(row)

    return read
