"""Keeping findings true over time: new evidence opens them, missing evidence fixes them.

For one scope, the findings the latest evidence produces are compared with those
the store holds. A finding keeps its first_seen for as long as it lives; one no
longer produced is marked fixed (with fixed_at) and stays in the store for
trends and audits; one that comes back is reopened. Nothing is written when
nothing changed, so a re-match after an unchanged feed costs no writes at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from hub.core.model import AuditDraft, Finding, FindingStatus, Package
from hub.core.records.supply import VexStatement
from hub.core.store import Store
from hub.core.store.interface import ASSETS, FINDINGS, HUB, Query, Transaction
from hub.intelligence.match import Skipped
from hub.intelligence.matching import IntelView, Scope, match_scope

MATCHER = "system:matcher"


@dataclass(frozen=True)
class Reconciled:
    writes: list[Finding]
    opened: int
    fixed: int
    updated: int

    def summary(self) -> dict[str, int]:
        return {"opened": self.opened, "fixed": self.fixed, "updated": self.updated}


def _content(f: Finding) -> tuple[object, ...]:
    """Everything but the times: what makes a rewrite worth it."""
    return (
        f.severity,
        f.cvss,
        f.kev,
        f.epss,
        f.status,
        f.sbom_id,
        f.aliases,
        f.summary,
        f.kev_due,
        f.vex,
        f.justification,
        f.fixed_in,
    )


def reconcile(
    existing: Sequence[Finding],
    fresh: Sequence[Finding],
    now: datetime,
    host_seen: datetime | None = None,
) -> Reconciled:
    """One scope's stored findings against what the evidence produces now. A finding is
    known by its component and vulnerability within the scope, and keeps the id it was
    first stored under (ids were laid out differently before issue 20). `host_seen`: when
    the scope's host last showed its findings before this evidence (its previous report),
    which is when a host finding fixed now was last seen."""
    old = {(f.purl, f.vuln_id): f for f in existing}
    writes: list[Finding] = []
    opened = updated = 0
    for f in fresh:
        before = old.pop((f.purl, f.vuln_id), None)
        if before is None:
            writes.append(f)
            opened += 1
            continue
        if before.status is FindingStatus.FIXED:
            opened += 1  # it came back
        elif _content(before) == _content(f) and (before.last_seen >= f.last_seen or f.asset_id):
            # A host's finding is not rewritten only to move its last_seen: its host's
            # report already says it is still there (`with_last_report`). Rewriting every
            # finding of every daily report made a host reporting the same software cost
            # as much as a new one, and marked its system for rescoring every day. Decided
            # before the merged copy is made: an unchanged host's copies were most of what
            # its daily report cost in Python.
            continue
        else:
            updated += 1
        # Evidence may arrive out of order (concurrent submissions): the finding was first
        # seen at the earlier of the two times, and last seen at the later.
        writes.append(
            replace(
                f,
                id=before.id,
                first_seen=min(before.first_seen, f.first_seen),
                last_seen=max(before.last_seen, f.last_seen),
                fixed_at=None,
            )
        )
    gone = [
        replace(
            f,
            status=FindingStatus.FIXED,
            fixed_at=now,
            last_seen=max(f.last_seen, host_seen) if f.asset_id and host_seen else f.last_seen,
        )
        for f in old.values()
        if f.status is not FindingStatus.FIXED
    ]
    return Reconciled(writes + gone, opened, len(gone), updated)


def with_last_report(store: Store, findings: Iterable[Finding]) -> Iterator[Finding]:
    """Findings as readers see them: an open finding of a host was last seen when its host
    last reported (the report that would have fixed it did not), which is later than the
    time stored with it once the host reports the same software again. Read a chunk of
    hosts at a time, so that a stream of findings (an export) stays a stream."""
    source = iter(findings)
    while chunk := list(islice(source, 1000)):
        hosts = sorted({f.asset_id for f in chunk if f.asset_id and f.status is FindingStatus.OPEN})
        found = store.iter_query(ASSETS, Query(ids=tuple(hosts), limit=len(hosts))) if hosts else ()
        reported = {a.id: a.last_seen for a in found if a.last_seen is not None}
        for f in chunk:
            seen = reported.get(f.asset_id) if f.status is FindingStatus.OPEN else None
            yield f if seen is None or seen <= f.last_seen else replace(f, last_seen=seen)


def scope_findings(store: Store, system_id: str, asset_id: str, product_id: str) -> list[Finding]:
    return list(
        store.iter_all(FINDINGS, system_id=system_id, asset_id=asset_id, product_id=product_id)
    )


def apply(
    store: Store,
    fresh: Sequence[Finding],
    *,
    system_id: str,
    asset_id: str,
    product_id: str,
    now: datetime,
    actor: str,
    request_id: str,
    reason: str,
    into: Transaction | None = None,
    host_seen: datetime | None = None,
) -> Reconciled:
    """Reconcile one scope and write the changes with one audit entry, or nothing at all:
    in a transaction of its own, or `into` the caller's, so that what caused the change
    (a host's new inventory) and the findings it changed commit together."""
    held = scope_findings(store, system_id, asset_id, product_id)
    outcome = reconcile(held, fresh, now, host_seen)
    if not outcome.writes:
        return outcome
    if into is not None:
        _write(into, outcome, asset_id or f"system:{system_id}", product_id, now, actor,
               request_id, reason)  # fmt: skip
        return outcome
    orgs = {f.org_id for f in outcome.writes}
    store.prepare(FINDINGS, outcome.writes)  # before the transaction waits for its turn
    with store.transaction(orgs.pop() if len(orgs) == 1 else HUB) as tx:
        _write(tx, outcome, asset_id or f"system:{system_id}", product_id, now, actor,
               request_id, reason)  # fmt: skip
    return outcome


def _write(
    tx: Transaction,
    outcome: Reconciled,
    target: str,
    product_id: str,
    now: datetime,
    actor: str,
    request_id: str,
    reason: str,
) -> None:
    by_severity = Counter(
        f.severity.value for f in outcome.writes if f.status is FindingStatus.OPEN
    )
    for start in range(0, len(outcome.writes), 5000):
        tx.put_findings(outcome.writes[start : start + 5000])
    # Findings are score inputs: their systems are rescored by the next scoring run.
    tx.mark_changed({(f.org_id, f.system_id) for f in outcome.writes}, "findings")
    tx.append_audit(
        AuditDraft(
            actor=actor,
            action="findings.reconcile",
            target=target,
            request_id=request_id,
            detail={
                **outcome.summary(),
                "product_id": product_id,
                "reason": reason,
                "open_by_severity": dict(sorted(by_severity.items())),
            },
            at=now,
        )
    )


def refresh_scope(
    store: Store,
    scope: Scope,
    packages: Sequence[Package],
    statements: Sequence[VexStatement],
    seen_at: datetime,
    *,
    now: datetime,
    request_id: str,
    reason: str,
    view: IntelView | None = None,
    into: Transaction | None = None,
) -> tuple[Reconciled, list[Skipped]]:
    """Match one scope's software against the store's intelligence and reconcile its
    findings: the step SBOMs, products and host inventories all end in."""
    result = match_scope(store, scope, packages, statements, seen_at, view)
    outcome = apply(
        store,
        result.findings,
        system_id=scope.system_id,
        asset_id=scope.asset_id,
        product_id=scope.product_id,
        now=now,
        actor=MATCHER,
        request_id=request_id,
        reason=reason,
        into=into,
    )
    return outcome, result.skipped
