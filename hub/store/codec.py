"""Domain values to JSON documents and back, for document stores.

Times are written as ISO 8601 with milliseconds and a zone (what Elasticsearch's
`date` type parses and what `_source` returns verbatim), enums as their values,
tuples as lists; reading reverses exactly that, guided by the field annotations.
Both backends read through `decode` (SQLite after loading its JSON text columns).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")
JsonDoc = dict[str, Any]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def encode(obj: Any) -> JsonDoc:
    return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def decode(cls: type[T], doc: JsonDoc) -> T:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in doc and (
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        ):
            continue  # written before the field existed: its default
        raw = doc.get(f.name)
        kind = str(f.type)
        if raw is not None and kind.startswith("datetime"):
            raw = datetime.fromisoformat(raw)
        elif raw is not None and kind.startswith("tuple"):
            raw = tuple(raw)
        elif raw is not None and kind == "bool":
            raw = bool(raw)
        values[f.name] = raw
    return cls(**values)
