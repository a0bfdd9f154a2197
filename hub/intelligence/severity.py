"""Severity of an advisory: computed from its CVSS vectors (the cvss library), else its
own rating (GHSA's database_specific.severity), else unknown.

The newest CVSS version given wins (v4 over v3.x over v2), since advisories that
carry several usually added the newer one deliberately. A vector the library
rejects is passed over, not fatal: a feed's typo must not hide the finding.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

RATINGS = ("none", "low", "medium", "high", "critical")
_ALIASES = {"moderate": "medium", "important": "high"}


@dataclass(frozen=True)
class Rating:
    severity: str  # one of RATINGS, or "unknown"
    score: float | None
    vector: str


UNKNOWN = Rating("unknown", None, "")


def _v2_rating(score: float) -> str:
    return "low" if score < 4.0 else "medium" if score < 7.0 else "high"


@functools.lru_cache(maxsize=16_384)  # pure; advisories repeat a few thousand vectors
def from_vector(kind: str, vector: str) -> Rating | None:
    try:
        if kind == "CVSS_V4" or vector.startswith("CVSS:4.0/"):
            v4 = CVSS4(vector)
            return Rating(str(v4.severity).lower(), float(v4.base_score), vector)
        if kind == "CVSS_V3" or vector.startswith("CVSS:3"):
            v3 = CVSS3(vector)
            return Rating(str(v3.severities()[0]).lower(), float(v3.scores()[0]), vector)
        if kind == "CVSS_V2":
            score = float(CVSS2(vector).scores()[0])
            return Rating(_v2_rating(score), score, vector)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def rate(severity: Iterable[tuple[str, str]], database_specific: Mapping[str, Any]) -> Rating:
    """`severity` as OSV lists it: (type, vector) pairs."""
    order = {"CVSS_V4": 0, "CVSS_V3": 1, "CVSS_V2": 2}
    for kind, vector in sorted(severity, key=lambda s: order.get(s[0], 9)):
        rating = from_vector(kind, vector)
        if rating is not None:
            return rating
    own = str(database_specific.get("severity", "")).lower()
    own = _ALIASES.get(own, own)
    return Rating(own, None, "") if own in RATINGS else UNKNOWN
