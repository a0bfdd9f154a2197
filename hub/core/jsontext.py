"""JSON text for the stores and the TAXII API.

Serving a page of STIX objects is mostly JSON work: parsing each stored object and writing
the envelope. orjson does both several times faster than the standard library. It refuses
a few things the standard library takes (integers beyond 64 bits, NaN and Infinity when
parsing), which a partner's object may hold, so those fall back to the standard library
and no value that was stored once ever becomes unreadable.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text; with `sort_keys`, the same value always gives the same text.
    Non-finite floats become null (JSON has no such numbers; the standard library would
    write text other parsers refuse)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), allow_nan=False)


# Deeper than any document the hub takes (STIX, CycloneDX, inventory batches) ever nests;
# 100,000 levels exhausted the standard parser's recursion and later every recursive
# walk (validators, pydantic) of what it returned.
MAX_DEPTH = 100


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH."""


def loads_bounded(text: str | bytes) -> Any:
    """`loads` for what a client sent: nesting deeper than MAX_DEPTH raises TooDeep, as
    does a document too deep for the parser itself (orjson stops at 1,024 levels; the
    standard library fallback would overflow the stack)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc).lower():
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        try:
            value = json.loads(text)
        except RecursionError:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    _check_depth(value)
    return value


_NESTED = frozenset({dict, list})


def _check_depth(value: Any) -> None:
    """Iteratively, level by level, so a deep value cannot overflow the stack of the check
    itself. Containers are told by their exact type (the parsers make plain dicts and
    lists): a host's inventory holds thousands of values, and this check visits each on
    every report (bench/ingest)."""
    level = [value] if type(value) in _NESTED else []
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        deeper = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) in _NESTED:
                    deeper.append(child)
        level = deeper
        depth += 1
