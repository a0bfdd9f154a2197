"""Is this version affected? OSV's evaluation, in each ecosystem's own version order.

Follows the OSV schema's algorithm: events of a range are sorted by version
("introduced: 0" first); walking them, `introduced` at or below the version
turns affected on, `fixed` at or below turns it off, `last_affected` strictly
below turns it off. A `limit` caps the range: at or above it nothing is affected.
An explicit `versions` list counts as well. GIT ranges name commits, not
versions, and are not evaluated here.

Every comparison is derived from `<` alone: univers' operators are not always
consistent with each other (its AlpineLinuxVersion says both `1.0_rc1 < 1.0`
and `1.0_rc1 >= 1.0`), and `<` is the one its sorting relies on.
"""

from __future__ import annotations

from univers.versions import Version

from hub.core.versions import UnsupportedVersion, parse
from hub.intelligence.advisory import Affected, Event, Range


def _key(ecosystem: str, semver: bool, event: Event) -> tuple[int, Version | None]:
    if event.kind == "introduced" and event.version == "0":
        return (0, None)
    if event.kind == "limit" and event.version == "*":
        return (2, None)
    return (1, parse(ecosystem, event.version, semver=semver))


def in_range(ecosystem: str, rng: Range, version: str) -> bool:
    if rng.type == "GIT":
        return False
    semver = rng.type == "SEMVER"
    return _walk(ecosystem, semver, rng.events, parse(ecosystem, version, semver=semver))


def _walk(ecosystem: str, semver: bool, events: tuple[Event, ...], v: Version) -> bool:
    # Each bound parsed once; sorted with "introduced: 0" first, then by version, and at
    # equal versions in document order.
    keyed = sorted(
        ((_key(ecosystem, semver, e), i, e) for i, e in enumerate(events)),
        key=lambda k: (k[0][0], _Cmp(k[0][1]), k[1]),
    )
    affected = False
    for (_, at), _, e in keyed:
        if e.kind == "introduced":
            if at is None or not v < at:
                affected = True
        elif e.kind == "fixed":
            if at is not None and not v < at:
                affected = False
        elif e.kind == "last_affected":
            if at is not None and at < v:
                affected = False
        elif e.kind == "limit" and at is not None and not v < at:
            return False  # at or above a limit nothing is affected
    return affected


class _Cmp:
    """Orders versions, with None (the open ends) compared equal to each other."""

    def __init__(self, value: Version | None) -> None:
        self.value = value

    def __lt__(self, other: _Cmp) -> bool:
        if self.value is None or other.value is None:
            return False
        return bool(self.value < other.value)


def is_affected(affected: Affected, version: str) -> bool:
    """Whether `version` of this package is affected by this entry (ranges or versions)."""
    if any(in_range(affected.ecosystem, r, version) for r in affected.ranges):
        return True
    return _listed(affected, version)


def judge(affected: Affected, version: str) -> tuple[bool, tuple[str, ...]]:
    """Whether `version` is affected, judging every range the ecosystem's rules can order,
    and why each range they cannot (PYSEC-2021-371's `fixed: 0.2.0-n653` in PyPI) was left
    out: one malformed bound must not hide the package's other, valid advisories."""
    unjudged: list[str] = []
    for rng in affected.ranges:
        try:
            if in_range(affected.ecosystem, rng, version):
                return True, tuple(unjudged)
        except UnsupportedVersion as exc:
            unjudged.append(str(exc))
    try:
        return _listed(affected, version), tuple(unjudged)
    except UnsupportedVersion as exc:
        return False, (*unjudged, str(exc))


def _listed(affected: Affected, version: str) -> bool:
    """Whether `version` is in the entry's explicit `versions` list."""
    if not affected.versions:
        return False
    v = parse(affected.ecosystem, version)
    for listed in affected.versions:
        try:
            other = parse(affected.ecosystem, listed)
            if not v < other and not other < v:
                return True
        except ValueError:
            if listed == version:
                return True
    return False


def fixes_above(affected: Affected, version: str) -> tuple[str, ...]:
    """The fixed versions that close `affected` for `version`: those of the ranges the
    version falls in, newer than it (other branches' fixes and commit hashes left out).
    A version affected only through the explicit `versions` list gets every newer fix."""
    candidates = [r for r in affected.ranges if r.type != "GIT"]
    containing = [r for r in candidates if _within(affected.ecosystem, r, version)]
    found: set[str] = set()
    for rng in containing or candidates:
        semver = rng.type == "SEMVER"
        try:
            current = parse(affected.ecosystem, version, semver=semver)
        except UnsupportedVersion:
            continue
        for event in rng.events:
            if event.kind != "fixed":
                continue
            try:
                if current < parse(affected.ecosystem, event.version, semver=semver):
                    found.add(event.version)
            except UnsupportedVersion:
                continue
    return tuple(sorted(found))


def _within(ecosystem: str, rng: Range, version: str) -> bool:
    """`in_range`, with a range that cannot be ordered counted as not containing it."""
    try:
        return in_range(ecosystem, rng, version)
    except UnsupportedVersion:
        return False
