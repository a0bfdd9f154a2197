"""Advisories in OSV's shape, parsed defensively from OSV JSON or YAML documents.

Only what matching needs is kept, as frozen values. A document that is not a
usable OSV record raises `MalformedAdvisory` with the reason, so a feed can log
and skip it instead of failing the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class MalformedAdvisory(ValueError):
    """An OSV document matching cannot use; the message says why."""


@dataclass(frozen=True)
class Event:
    kind: str  # introduced | fixed | last_affected | limit
    version: str


@dataclass(frozen=True)
class Range:
    type: str  # ECOSYSTEM | SEMVER | GIT
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Affected:
    ecosystem: str
    name: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    modified: str
    withdrawn: str | None
    summary: str
    affected: tuple[Affected, ...]
    severity: tuple[tuple[str, str], ...]  # (type, score or vector)
    own_severity: str = ""  # the database's own rating (GHSA: LOW, MODERATE, HIGH, CRITICAL)
    # RustSec's unmaintained, unsound and notice records: a notice, not a vulnerability.
    informational: str = ""

    @property
    def ids(self) -> frozenset[str]:
        """Every name this advisory goes by; two advisories sharing one are one finding."""
        return frozenset((self.id, *self.aliases))


EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


def _event(raw: Any) -> Event:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise MalformedAdvisory(f"an event must have exactly one key, got {raw!r}")
    kind, version = next(iter(raw.items()))
    if kind not in EVENT_KINDS or not isinstance(version, str) or not version:
        raise MalformedAdvisory(f"unknown or empty event {raw!r}")
    return Event(kind, version)


def _affected(raw: Any) -> Affected:
    package = raw.get("package") if isinstance(raw, Mapping) else None
    if not isinstance(package, Mapping) or not package.get("ecosystem") or not package.get("name"):
        raise MalformedAdvisory("affected entry without package ecosystem and name")
    ranges = []
    for r in raw.get("ranges") or ():
        if not isinstance(r, Mapping) or r.get("type") not in ("ECOSYSTEM", "SEMVER", "GIT"):
            raise MalformedAdvisory(f"range of unknown type {r!r}")
        events = tuple(_event(e) for e in r.get("events") or ())
        if not any(e.kind == "introduced" for e in events):
            raise MalformedAdvisory(f"range without an introduced event in {package['name']}")
        ranges.append(Range(str(r["type"]), events))
    versions = tuple(str(v) for v in raw.get("versions") or ())
    return Affected(str(package["ecosystem"]), str(package["name"]), tuple(ranges), versions)


def parse_osv(doc: Any) -> Advisory:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), str) or not doc["id"]:
        raise MalformedAdvisory("not an OSV record: no id")
    severity = tuple(
        (str(s.get("type", "")), str(s.get("score", "")))
        for s in doc.get("severity") or ()
        if isinstance(s, Mapping)
    )
    return Advisory(
        id=doc["id"],
        aliases=tuple(str(a) for a in doc.get("aliases") or ()),
        modified=str(doc.get("modified", "")),
        withdrawn=str(doc["withdrawn"]) if doc.get("withdrawn") else None,
        summary=str(doc.get("summary") or doc.get("details", ""))[:500],
        affected=tuple(_affected(a) for a in doc.get("affected") or ()),
        severity=severity,
        own_severity=str((doc.get("database_specific") or {}).get("severity", "") or ""),
        informational=str((doc.get("database_specific") or {}).get("informational", "") or ""),
    )
