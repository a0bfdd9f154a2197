"""From components to findings: the vulnerability intelligence the store holds, applied to
one scope (a system's own SBOM, or a product as one system or asset runs it).

`IntelView` is loaded once and cached while the store's intelligence stays the same
(its `intel_stamp`, which any write of a record changes), since parsing tens of thousands
of advisories is the expensive part. KEV, EPSS and JVN records are looked up only for the
CVEs that matched, so a full EPSS catalogue is never held in memory; what a component
matched, rated and enriched is kept with the view, so the hosts built from one image cost
one judgement per component, not one per host.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from hub.core.model import Finding, FindingStatus, Package, Severity, VexState
from hub.core.records.intel import IntelRecord
from hub.core.records.supply import VexStatement
from hub.core.store import Store
from hub.intelligence.advisory import Advisory, MalformedAdvisory, parse_osv
from hub.intelligence.match import AdvisoryIndex, Match, Skipped
from hub.intelligence.severity import Rating, from_vector, rate
from hub.intelligence.sources import Enriched, Provides, source_for, sources_providing, sync_order

SUPPRESSING = frozenset({VexState.NOT_AFFECTED.value, VexState.FIXED.value})


@dataclass(frozen=True)
class Scope:
    """Where findings land, and which VEX subjects speak for them."""

    org_id: str
    system_id: str
    asset_id: str  # "" for the system as a whole
    product_id: str  # "" for the system's own components
    sbom_id: str
    vex_subjects: tuple[str, ...]

    @property
    def subject(self) -> str:
        base = self.asset_id or f"system:{self.system_id}"
        return f"{base}|{self.product_id}" if self.product_id else base


MEMO_PURLS = 250_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a template's times, always placed over


@dataclass(frozen=True)
class Rated:
    """One match of a component, rated and enriched: everything of a finding that does
    not depend on where the component runs."""

    match: Match
    rating: Rating
    extra: Enriched
    summary: str
    vuln_id: str  # the match's primary id
    aliases: tuple[str, ...]  # every other id it goes by

    @functools.cached_property
    def finding(self) -> Finding:
        """The finding wherever no VEX statement speaks for it, to be `placed`: built
        and checked once per component, not once per host."""
        return Finding(
            id="",
            org_id="",
            system_id="",
            asset_id="",
            purl=self.match.purl,
            vuln_id=self.vuln_id,
            severity=Severity(self.rating.severity),
            cvss=self.rating.score,
            kev=self.extra.known_exploited,
            epss=self.extra.epss,
            status=FindingStatus.OPEN,
            first_seen=_EPOCH,
            last_seen=_EPOCH,
            fixed_at=None,
            aliases=self.aliases,
            summary=self.summary,
            kev_due=self.extra.exploited_due,
            fixed_in=self.match.fixed,
        )


Judgement = tuple[tuple[Rated, ...], tuple[Skipped, ...]]


@dataclass
class IntelView:
    index: AdvisoryIndex
    advisories: dict[str, Advisory]
    fingerprint: str
    skipped: int
    # Components already judged against this view. Hosts built from one image share every
    # component, and a host of its own still shares most of them with its image, so a
    # fleet costs one judgement per distinct component, not one per host.
    memo: OrderedDict[str, Judgement] = field(default_factory=OrderedDict)
    memo_lock: threading.Lock = field(default_factory=threading.Lock)
    memo_hits: int = 0  # software sets served whole from the memo

    def rate_set(self, store: Store, purls: Sequence[str]) -> tuple[list[Rated], list[Skipped]]:
        """The set's matches with their ratings and enrichment, in the order of `purls`.
        The view lives only while the intelligence is unchanged, so the enrichment read
        for a component stays true as long as the memo does."""
        with self.memo_lock:
            known = {p: self.memo[p] for p in purls if p in self.memo}
            if len(known) == len(set(purls)):
                self.memo_hits += 1
        missing = [p for p in dict.fromkeys(purls) if p not in known]
        if missing:
            judged = self._judge(store, missing)
            known.update(judged)
            with self.memo_lock:
                self.memo.update(judged)
                while len(self.memo) > MEMO_PURLS:
                    self.memo.popitem(last=False)
        rated: list[Rated] = []
        skipped: list[Skipped] = []
        for purl in purls:
            r, s = known[purl]
            rated += r
            skipped += s
        return rated, skipped

    def _judge(self, store: Store, purls: Sequence[str]) -> dict[str, Judgement]:
        found = {purl: self.index.judge(purl) for purl in purls}
        records = _enrichment(
            store,
            (i for j in found.values() for m in j.matches for i in m.ids if i.startswith("CVE-")),
        )
        out: dict[str, Judgement] = {}
        for purl, judged in found.items():
            rated = []
            for m in judged.matches:
                extra = _enriched(sorted(i for i in m.ids if i.startswith("CVE-")), records)
                summary = next(
                    (
                        self.advisories[a].summary
                        for a in m.advisories
                        if self.advisories[a].summary
                    ),
                    extra.summary,
                )
                vuln_id = m.primary_id
                aliases = tuple(sorted((m.ids | extra.aliases) - {vuln_id}))
                rated.append(
                    Rated(m, _rating(m, self, extra), extra, summary[:500], vuln_id, aliases)
                )
            out[purl] = (tuple(rated), tuple(judged.unjudged))
        return out


_cache: dict[int, IntelView] = {}
FREEZE_FROM = 1_000  # advisories
_lock = threading.Lock()


def intel_view(store: Store) -> IntelView:
    """The advisory index for the store's current OSV records, rebuilt only when they change."""
    (source,) = sources_providing(Provides.ADVISORIES)
    fingerprint = store.intel_stamp()
    with _lock:
        cached = _cache.get(id(store))
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
    advisories: dict[str, Advisory] = {}
    skipped = 0
    for record in store.iter_intel(source):
        try:
            advisory = parse_osv(record.data)
        except MalformedAdvisory:
            skipped += 1  # sync refuses these; one written by an older version is passed over
            continue
        advisories[advisory.id] = advisory
    view = IntelView(AdvisoryIndex(advisories.values()), advisories, fingerprint, skipped)
    with _lock:
        _cache[id(store)] = view
    # The view is hundreds of thousands of long-lived objects. Left to the cyclic garbage
    # collector, every full collection walks them all again, and a large request (a
    # 40,000-component SBOM allocates millions of objects) triggers many: a third of its
    # time (bench/sbom). Frozen, the collector passes over them; the view holds no
    # cycles, so one replaced is still freed by its reference counts. What is garbage now
    # is collected first, so that nothing unreachable is frozen with it; a small view is
    # not worth that full collection.
    if len(advisories) >= FREEZE_FROM:
        gc.collect()
        gc.freeze()
    return view


def _enrichment(store: Store, cves: Iterable[str]) -> dict[str, list[IntelRecord]]:
    """Every enrichment record about these CVEs, per CVE, in the sources' sync order."""
    wanted = sorted(set(cves))
    ids = [f"{s.value}:{c}" for s in sources_providing(Provides.ENRICHMENT) for c in wanted]
    found: dict[str, list[IntelRecord]] = {}
    for record in store.intel_by_ids(ids):
        found.setdefault(record.key, []).append(record)
    for records in found.values():
        records.sort(key=lambda r: sync_order(r.source))
    return found


def _enriched(cves: Sequence[str], records: dict[str, list[IntelRecord]]) -> Enriched:
    into = Enriched()
    for cve in cves:
        for record in records.get(cve, ()):
            source_for(record.source).enrich(record.data, into)
    return into


def _rating(match: Match, view: IntelView, extra: Enriched) -> Rating:
    if match.advisories and all(view.advisories[a].informational for a in match.advisories):
        return Rating("info", None, "")  # a notice (unmaintained, unsound): no vulnerability
    for advisory_id in match.advisories:
        advisory = view.advisories[advisory_id]
        rating = rate(advisory.severity, {"severity": advisory.own_severity})
        if rating.severity != "unknown":
            return rating
    for vector in extra.vectors:
        enriched = from_vector("", vector)
        if enriched is not None:
            return enriched
    return Rating("unknown", None, "")


def _vex_for(
    scope: Scope, purl: str, ids: frozenset[str], statements: Sequence[VexStatement]
) -> VexStatement | None:
    """The newest statement that covers this component and vulnerability in this scope."""
    covering = [
        s for s in statements if any(s.covers(subject, purl, ids) for subject in scope.vex_subjects)
    ]
    return max(covering, key=lambda s: (s.created_at, s.id), default=None)


@dataclass(frozen=True)
class MatchReport:
    findings: list[Finding]
    skipped: list[Skipped]


def match_scope(
    store: Store,
    scope: Scope,
    packages: Sequence[Package],
    statements: Sequence[VexStatement],
    seen_at: datetime,
    view: IntelView | None = None,
) -> MatchReport:
    """Every finding `packages` carry in `scope`, as of evidence dated `seen_at`."""
    view = view or intel_view(store)
    rated, skipped = view.rate_set(store, [p.purl for p in packages])
    findings = Finding.placed_all(
        [r.finding for r in rated],
        scope.subject,
        org_id=scope.org_id,
        system_id=scope.system_id,
        asset_id=scope.asset_id,
        sbom_id=scope.sbom_id,
        product_id=scope.product_id,
        first_seen=seen_at,
        last_seen=seen_at,
    )
    if statements:
        for n, r in enumerate(rated):
            vex = _vex_for(scope, r.match.purl, r.match.ids, statements)
            if vex is not None:
                findings[n] = replace(
                    findings[n],
                    status=FindingStatus.SUPPRESSED
                    if vex.state.value in SUPPRESSING
                    else FindingStatus.OPEN,
                    vex=vex.state.value,
                    justification=vex.justification or vex.detail[:200],
                )
    return MatchReport(findings, skipped)
