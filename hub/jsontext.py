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
