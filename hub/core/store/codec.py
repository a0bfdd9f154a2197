"""Domain values to JSON documents and back, for document stores.

Times are written as ISO 8601 with microseconds and a zone (what Elasticsearch's
`date` and `date_nanos` types parse and what `_source` returns verbatim), enums as their values,
tuples as lists; reading reverses exactly that, guided by the field annotations.
Both backends read through `decode` (SQLite after loading its JSON text columns).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")
JsonDoc = dict[str, Any]


def encode_value(value: Any) -> Any:
    """One value as a document holds it: times as text, enums as values, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    return value


def encode_time(value: datetime) -> str:
    """A time as stored (UTC, microseconds), so stores can compare it with stored times."""
    return str(encode_value(value.astimezone(UTC)))


@functools.cache
def _names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def encode(obj: Any) -> JsonDoc:
    # Field names once per class: a batch of findings is encoded by the ten thousand.
    names: tuple[str, ...] = _names(obj.__class__)
    return {name: encode_value(getattr(obj, name)) for name in names}


PLAIN, TIME, TUPLE, BOOL = range(4)


@functools.cache
def field_plan(cls: Any) -> tuple[tuple[str, int, bool], ...]:
    """(field, conversion, has a default) per field: worked out once per class, since
    reading a page of rows would otherwise inspect the annotations row by row. Shared by
    `decode` and the SQLite backend's compiled row readers, so both read a value alike."""
    plan = []
    for f in dataclasses.fields(cls):
        kind = str(f.type)
        conversion = (
            TIME
            if kind.startswith("datetime")
            else TUPLE
            if kind.startswith("tuple")
            else BOOL
            if kind == "bool"
            else PLAIN
        )
        defaulted = f.default is not dataclasses.MISSING or (
            f.default_factory is not dataclasses.MISSING
        )
        plan.append((f.name, conversion, defaulted))
    return tuple(plan)


def decode(cls: type[T], doc: JsonDoc) -> T:
    values: dict[str, Any] = {}
    for name, conversion, defaulted in field_plan(cls):  # type: ignore[arg-type]
        if defaulted and name not in doc:
            continue  # written before the field existed: its default
        raw = doc.get(name)
        if raw is not None and conversion:
            if conversion == TIME:
                raw = datetime.fromisoformat(raw)
            elif conversion == TUPLE:
                raw = tuple(raw)
            else:
                raw = bool(raw)
        values[name] = raw
    return cls(**values)
