"""Matching purls to advisories: an in-memory index keyed the way advisories name packages.

Aliases merge: advisories that share any id (PYSEC-x, CVE-y, GHSA-z) about the same
package are one match. What cannot be judged (an ecosystem without version rules, a
version its rules reject) comes back as `Skipped` with the reason, never silently dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hub.core.ecosystems import OsvPackage, Unmatchable, osv_package
from hub.core.packages import osv_key
from hub.core.versions import UnsupportedVersion, parse, supported
from hub.intelligence.advisory import Advisory, Affected
from hub.intelligence.affected import fixes_above, judge


@dataclass(frozen=True)
class Match:
    purl: str
    ids: frozenset[str]  # every id and alias of the merged advisories
    advisories: tuple[str, ...]  # the advisory records that matched, by id
    fixed: tuple[str, ...] = ()  # versions the advisories name as fixing it

    @property
    def primary_id(self) -> str:
        """The CVE when there is one (what KEV and EPSS are keyed by), else the first id."""
        cves = sorted(i for i in self.ids if i.startswith("CVE-"))
        return cves[0] if cves else sorted(self.ids)[0]


@dataclass(frozen=True)
class Skipped:
    purl: str
    reason: str


@dataclass(frozen=True)
class Judged:
    """One component's matches; `whole` when it could not be judged at all, `partial` for
    advisory ranges left out (each a `Skipped` naming the advisory)."""

    matches: list[Match]
    partial: list[Skipped]
    whole: Skipped | None

    @classmethod
    def skipped(cls, why: Skipped) -> Judged:
        return cls([], [], why)

    @property
    def unjudged(self) -> list[Skipped]:
        return [self.whole] if self.whole is not None else self.partial


def advisory_keys(advisory: Advisory) -> set[str]:
    return {":".join(osv_key(a.ecosystem, a.name)) for a in advisory.affected}


class AdvisoryIndex:
    def __init__(self, advisories: Iterable[Advisory] = ()) -> None:
        self._entries: dict[tuple[str, str], list[tuple[Advisory, Affected]]] = defaultdict(list)
        self.count = 0
        for advisory in advisories:
            self.add(advisory)

    def add(self, advisory: Advisory) -> None:
        """Index one advisory; a withdrawn one is not indexed at all."""
        if advisory.withdrawn:
            return
        self.count += 1
        for affected in advisory.affected:
            self._entries[osv_key(affected.ecosystem, affected.name)].append((advisory, affected))

    def match(self, purl: str) -> list[Match] | Skipped:
        """The component's matches, or why it could not be judged at all."""
        found = self.judge(purl)
        return found.whole if found.whole is not None else found.matches

    def judge(self, purl: str) -> Judged:
        """The component's matches, and every advisory range that could not be evaluated
        for it: an advisory whose bound the ecosystem cannot order is left out alone, the
        package's other advisories still decide."""
        try:
            package: OsvPackage = osv_package(purl)
        except Unmatchable as exc:
            return Judged.skipped(Skipped(purl, str(exc)))
        if not supported(package.ecosystem):
            return Judged.skipped(Skipped(purl, f"no version rules for {package.ecosystem}"))
        try:
            parse(package.ecosystem, package.version)
        except UnsupportedVersion as exc:
            return Judged.skipped(Skipped(purl, str(exc)))
        hits: list[tuple[Advisory, tuple[str, ...]]] = []
        partial: list[Skipped] = []
        for advisory, affected in self._entries.get(osv_key(package.ecosystem, package.name), []):
            hit, unjudged = judge(affected, package.version)
            partial += [Skipped(purl, f"{advisory.id} not evaluated: {why}") for why in unjudged]
            if hit:
                hits.append((advisory, fixes_above(affected, package.version)))
        return Judged(_merge(purl, hits), partial, None)


def _merge(purl: str, hits: list[tuple[Advisory, tuple[str, ...]]]) -> list[Match]:
    groups: list[tuple[set[str], list[str], set[str]]] = []
    for advisory, fixes in hits:
        joined = [g for g in groups if g[0] & advisory.ids]
        ids, records = set(advisory.ids), [advisory.id]
        fixed = set(fixes)
        for g in joined:
            ids |= g[0]
            records += g[1]
            fixed |= g[2]
            groups.remove(g)
        groups.append((ids, records, fixed))
    return sorted(
        (
            Match(purl, frozenset(ids), tuple(sorted(set(records))), tuple(sorted(fixed)))
            for ids, records, fixed in groups
        ),
        key=lambda m: m.primary_id,
    )
