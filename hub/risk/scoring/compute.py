"""Scoring the hub: every system from its inputs, then agencies and the nation as sums.

A run rescores only the systems whose inputs changed since their last scoring (a
`ScoringChange` written with the change) or whose score time alone has moved (their
state's `next_change` has passed), unless asked for a full run. Agencies and the
nation are sums over the systems' stored states, so they cost nothing per finding.

Coverage is part of every agency's score: the share of its assets a collector reported
within `stale_after_days`, and of its systems with a current SBOM. A score built on thin
coverage is flagged `thin_coverage`, so missing data never passes for low risk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from hub.core.model import AuditDraft, Finding, FindingStatus, OrgKind, System, utcnow
from hub.core.records.scores import ActionShares, ScoreRecord, SystemScoreState
from hub.core.records.sharing import Sighting
from hub.core.records.triage import Acceptances
from hub.core.store import Store
from hub.core.store.interface import (
    ACTION_SHARES,
    FINDINGS,
    INCIDENTS,
    SCORE_CHANGES,
    SCORE_STATES,
    SIGHTINGS,
    TRIAGE,
    In,
    Query,
    Transaction,
)
from hub.risk.scoring import actions
from hub.risk.scoring.engine import (
    Contribution,
    EvidenceInput,
    FindingInput,
    Measure,
    Score,
    band,
    grade,
    rollup,
)
from hub.risk.scoring.policy import ScoringPolicy
from hub.risk.scoring.system import (
    AssetInput,
    CheckInput,
    SystemInputs,
    SystemResult,
    score_system,
)

THIN_ASSETS = 0.8  # below this share of assets reporting, a score is thin
THIN_SBOMS = 0.5
FLUSH = 2000  # score records per write while a run streams


def _finding(f: Finding, system: System, accepted: datetime | None, sighted: bool) -> FindingInput:
    return FindingInput(
        id=f.id,
        severity=f.severity.value,
        status=f.status.value,
        kev=f.kev,
        kev_due=f.kev_due,
        epss=f.epss,
        first_seen=f.first_seen,
        vex=f.vex,
        sighted=sighted,
        internet_facing=system.internet_facing,
        criticality=system.criticality.value,
        accepted_until=accepted,
        asset_id=f.asset_id,
        purl=f.purl,
        vuln_id=f.vuln_id,
        fixed_in=f.fixed_in,
    )


def _evidence(sighting: Sighting, system: System) -> EvidenceInput:
    p = sighting.profile
    return EvidenceInput(
        id=sighting.id,
        kind="sighting",
        asset_id=sighting.asset_id,
        indicator_id=sighting.indicator_id,
        name=str(p.get("name", "")),
        types=tuple(p.get("types", ())),
        phases=tuple(p.get("phases", ())),
        confidence=p.get("confidence"),
        tlp=str(p.get("tlp", "")),
        hosts=int(p.get("hosts", 1)),
        agencies=int(p.get("agencies", 1)),
        active=sighting.active,
        last_seen=sighting.last_seen,
        criticality=system.criticality.value,
    )


def _incidents(store: Store, system: System, horizon: datetime) -> list[EvidenceInput]:
    """The incidents its agency reported on the system, open or closed within the policy's
    memory: one piece of evidence per affected asset of the system, or one for the system
    when it names none of them. How widely the same observables were reported (the
    agencies, the hosts) weighs them as a sighting's spread does."""
    out: list[EvidenceInput] = []
    query = Query(where=(In("system_ids", (system.id,)),), limit=10_000)
    counted = [
        i
        for i in sorted(store.select(INCIDENTS, query), key=lambda i: i.id)
        if i.org_id == system.org_id and (i.open or i.updated_at >= horizon)
    ]
    if not counted:
        return out
    # The system's hosts, read once: an incident may name hosts of other systems too.
    here = {a.id for a in store.iter_all_assets(system.id)}
    for i in counted:
        alike = [i]
        if i.observables:
            shared = Query(where=(In("observables", i.observables),), limit=10_000)
            alike = [o for o in store.select(INCIDENTS, shared) if o.open] or [i]
        for asset_id in sorted(set(i.asset_ids) & here) or [""]:
            out.append(
                EvidenceInput(
                    id=f"incident:{i.id}:{asset_id}",
                    kind="incident",
                    asset_id=asset_id,
                    indicator_id=i.id,
                    name=i.title,
                    types=(),
                    phases=(),
                    confidence=None,
                    tlp=i.tlp,
                    hosts=max(1, sum(len(o.asset_ids) for o in alike)),
                    agencies=len({o.org_id for o in alike}),
                    active=i.open,
                    last_seen=i.updated_at,
                    criticality=system.criticality.value,
                    severity=i.severity,
                )
            )
    return out


def gather(
    store: Store,
    system: System,
    acceptances: Acceptances,
    has_sbom: bool,
    now: datetime,
    policy: ScoringPolicy,
) -> SystemInputs:
    """Everything the system's score depends on, read from the store: with a policy that
    counts compromise, its sightings too, active or ended within the policy's memory."""
    findings = []
    sightings = list(store.iter_all(SIGHTINGS, system_id=system.id))
    sighted = {s.asset_id for s in sightings if s.active}
    evidence: list[EvidenceInput] = []
    if policy.compromise is not None:
        horizon = now.date() - timedelta(days=policy.compromise.forget_after_days)
        evidence = [
            _evidence(s, system)
            for s in sorted(sightings, key=lambda s: s.id)
            if s.active or s.last_seen.date() > horizon
        ]
    if policy.compromise is not None:
        evidence += _incidents(
            store, system, now - timedelta(days=policy.compromise.forget_after_days)
        )
    for f in store.iter_all(FINDINGS, system_id=system.id):
        if f.status is FindingStatus.FIXED:
            continue  # counts nothing; its history stays in the findings export
        accepted = None
        if acceptances:
            key = actions.finding_action(f.purl, f.vuln_id, f.fixed_in)[0]
            accepted = acceptances.until(key, system.org_id, now)
        findings.append(_finding(f, system, accepted, bool(f.asset_id) and f.asset_id in sighted))
    assets, checks = [], []
    for asset in store.iter_all_assets(system.id):
        assets.append(AssetInput(asset.id, asset.last_seen))
        telemetry = store.get_telemetry(asset.id)
        for check_id, title, severity, status in telemetry.scored_checks() if telemetry else []:
            until = acceptances.until(actions.check_action(check_id), system.org_id, now)
            checks.append(CheckInput(asset.id, check_id, title, severity, status, until))
    return SystemInputs(
        id=system.id,
        org_id=system.org_id,
        criticality=system.criticality.value,
        internet_facing=system.internet_facing,
        has_sbom=has_sbom,
        assets=tuple(assets),
        findings=tuple(sorted(findings, key=lambda f: f.id)),
        checks=tuple(checks),
        evidence=tuple(evidence),
    )


def _record(
    score: Score,
    kind: str,
    org_id: str,
    policy: ScoringPolicy,
    at: datetime,
    measure: Measure,
    coverage: dict[str, Any] | None = None,
) -> ScoreRecord:
    index, letter = graded(score, measure, policy)
    return ScoreRecord(
        id=ScoreRecord.key_id(score.subject, at),
        subject=score.subject,
        kind=kind,
        org_id=org_id,
        points=score.points,
        grade=index,
        policy_version=policy.version,
        computed_at=at,
        flags=score.flags,
        contributions={"parts": [c.as_dict() for c in score.contributions]},
        coverage=coverage or {},
        measure=measure.value(score.points, policy),
        band=letter,
    )


def measure_over(states: list[SystemScoreState]) -> Measure:
    return sum((Measure(s.power_sum, s.units) for s in states), Measure(0.0, 0))


def asset_measure(score: Score, policy: ScoringPolicy) -> Measure:
    return Measure(max(score.points, 0.0) ** policy.grades.power, 1)


def system_state(
    inputs: SystemInputs,
    result: SystemResult,
    policy: ScoringPolicy,
    now: datetime,
    scored_at: datetime,
    token: str = "",
) -> SystemScoreState:
    """What a system's scoring leaves for its agency's and the nation's sums."""
    return SystemScoreState(
        id=inputs.id,
        org_id=inputs.org_id,
        scored_at=scored_at,
        evaluated_at=now,
        next_change=result.next_change,
        policy_version=policy.version,
        points=result.score.points,
        assets=len(inputs.assets),
        assets_reporting=result.assets_reporting,
        has_sbom=inputs.has_sbom,
        change_token=token,
        flags=result.score.flags,
        power_sum=result.measure.power_sum,
        units=result.measure.units,
    )


def graded(score: Score, measure: Measure, policy: ScoringPolicy) -> tuple[float, str]:
    """(risk index, band letter) of a score."""
    index = grade(measure.value(score.points, policy), policy)
    return index, band(index, policy)


def coverage_of(states: list[SystemScoreState]) -> dict[str, Any]:
    assets = sum(s.assets for s in states)
    reporting = sum(s.assets_reporting for s in states)
    with_sbom = sum(s.has_sbom for s in states)
    return {
        "assets": assets,
        "assets_reporting": reporting,
        "asset_share": reporting / assets if assets else 0.0,
        "systems": len(states),
        "systems_with_sbom": with_sbom,
        "sbom_share": with_sbom / len(states) if states else 0.0,
    }


def organization_score(org_id: str, states: list[SystemScoreState]) -> tuple[Score, dict[str, Any]]:
    """An agency's score is the sum of its systems'; thin coverage flags it."""
    coverage = coverage_of(states)
    ordered = sorted(states, key=lambda s: s.id)
    parts = tuple(Contribution("part", s.points, f"system:{s.id}", (), s.flags) for s in ordered)
    thin = coverage["asset_share"] < THIN_ASSETS or coverage["sbom_share"] < THIN_SBOMS
    flags = tuple(
        sorted({f for s in states for f in s.flags} | ({"thin_coverage"} if thin else set()))
    )
    return Score(f"organization:{org_id}", sum(p.points for p in parts), parts, flags), coverage


@dataclass
class Run:
    """What one scoring run did: counts for the audit entry and the operator."""

    now: datetime
    full: bool
    systems: int = 0
    rescored: int = 0
    organizations: int = 0
    records: int = 0
    states: dict[str, SystemScoreState] = field(default_factory=dict)
    inputs: list[SystemInputs] | None = None  # kept when an export needs them
    org_actions: dict[str, dict[str, Any]] = field(default_factory=dict)  # rebuilt agencies

    def summary(self, policy: ScoringPolicy) -> dict[str, Any]:
        return {
            "policy": policy.version,
            "full": self.full,
            "systems": self.systems,
            "rescored": self.rescored,
            "organizations": self.organizations,
            "records": self.records,
        }


def _dirty(
    state: SystemScoreState | None, token: str, policy: ScoringPolicy, now: datetime
) -> bool:
    return (
        state is None
        or state.policy_version != policy.version
        or token != state.change_token
        or (state.next_change is not None and state.next_change <= now)
        or now < state.evaluated_at
    )


class Batch(NamedTuple):
    records: list[ScoreRecord]
    states: list[SystemScoreState]
    shares: list[ActionShares]


def _org_shares(
    store: Store, org_id: str, fresh: dict[str, dict[str, Any]], full: bool
) -> ActionShares:
    """The agency's action shares: its rescored systems' from memory, the others' from
    the store (none, in a full run: every system was rescored)."""
    parts = list(fresh.values())
    if not full:
        stored = store.iter_all(ACTION_SHARES, org_id=org_id, level="system")
        parts += [d.actions for d in stored if d.id.split(":", 1)[1] not in fresh]
    merged = actions.merge_shares((org_id, p) for p in parts)
    return ActionShares(f"organization:{org_id}", org_id, "organization", actions.as_shares(merged))


def score_hub_stream(
    store: Store,
    policy: ScoringPolicy,
    now: datetime,
    run: Run,
    *,
    stale_after_days: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Batch]:
    """Score what needs it as of `now`, yielding records, states and action shares system
    by system, each agency's shares after its systems; the agencies' and the nation's
    records come last."""
    started = utcnow()
    agencies = list(store.list_organizations(kind=OrgKind.AGENCY, limit=10_000))
    run.states = {} if run.full else {s.id: s for s in store.iter_all(SCORE_STATES)}
    changes = {c.id: c.token for c in store.iter_all(SCORE_CHANGES)}  # before any input
    acceptances = Acceptances(list(store.iter_all(TRIAGE)))
    current = {r.subject for r in store.list_sboms(current=True)}
    by_org: dict[str, list[SystemScoreState]] = defaultdict(list)
    touched: set[str] = set()
    for n, org in enumerate(agencies, 1):
        fresh: dict[str, dict[str, Any]] = {}
        for system in store.iter_all_systems(org.id):
            run.systems += 1
            state = run.states.get(system.id)
            token = changes.get(system.id, "")
            if not run.full and not _dirty(state, token, policy, now):
                assert state is not None
                by_org[org.id].append(state)
                continue
            inputs = gather(
                store, system, acceptances, f"system:{system.id}" in current, now, policy
            )
            if run.inputs is not None:
                run.inputs.append(inputs)
            result = score_system(inputs, policy, now, stale_after_days)
            state = system_state(inputs, result, policy, now, started, token)
            run.states[system.id] = state
            by_org[org.id].append(state)
            touched.add(org.id)
            run.rescored += 1
            records = [
                _record(a, "asset", org.id, policy, now, asset_measure(a, policy))
                for a in result.assets
            ]
            records.append(_record(result.score, "system", org.id, policy, now, result.measure))
            fresh[system.id] = result.actions
            shares = ActionShares(f"system:{system.id}", org.id, "system", result.actions)
            yield Batch(records, [state], [shares])
        if fresh:
            org_shares = _org_shares(store, org.id, fresh, run.full)
            run.org_actions[org.id] = org_shares.actions
            yield Batch([], [], [org_shares])
        if progress:
            progress(n, len(agencies))
    if not run.full:  # agencies without systems get one record, then none until they change
        touched |= {
            o.id
            for o in agencies
            if not by_org[o.id] and not store.score_history(f"organization:{o.id}")
        }
    if not (touched or run.full):
        return
    final: list[ScoreRecord] = []
    org_scores = []
    for org in agencies:
        score, coverage = organization_score(org.id, by_org[org.id])
        org_scores.append(score)
        if run.full or org.id in touched:
            run.organizations += 1
            measure = measure_over(by_org[org.id])
            final.append(_record(score, "organization", org.id, policy, now, measure, coverage))
    everyone = measure_over([s for states in by_org.values() for s in states])
    final.append(_record(rollup("nation", org_scores), "nation", "", policy, now, everyone))
    yield Batch(final, [], [])


def score_hub(
    store: Store,
    policy: ScoringPolicy,
    now: datetime,
    *,
    stale_after_days: int = 7,
    full: bool = True,
    progress: Callable[[int, int], None] | None = None,
    run: Run | None = None,
) -> list[ScoreRecord]:
    """The records of one run, in memory and not stored (exports and tests); `run_scoring`
    streams them into the store."""
    run = run or Run(now, full)
    out: list[ScoreRecord] = []
    for batch in score_hub_stream(
        store, policy, now, run, stale_after_days=stale_after_days, progress=progress
    ):
        out += batch.records
    return out


def audit_draft(
    actor: str, request_id: str, policy: ScoringPolicy, now: datetime
) -> Callable[[Run], AuditDraft]:
    """The audit entry that closes a run: who scored, under which policy, what it did."""
    return lambda run: AuditDraft(
        actor, "score.compute", "nation", request_id, run.summary(policy), now
    )


def run_scoring(
    store: Store,
    policy: ScoringPolicy,
    now: datetime,
    draft: Callable[[Run], AuditDraft],
    *,
    stale_after_days: int = 7,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Score and store as it goes: records and action shares a few thousand at a time,
    then the systems' states with the agencies' and the nation's records and the audit
    entry in one last transaction. A run that stops half way has written no state, so the
    next run redoes every system it had done (records and shares are upserts) and no agency
    is left summing a system whose new score it never saw."""
    run = Run(now, full)
    pending: list[ScoreRecord] = []
    pending_shares: list[ActionShares] = []
    states: list[SystemScoreState] = []

    def write(tx: Transaction) -> None:
        tx.put_scores(pending)
        tx.put_action_shares(pending_shares)
        pending.clear()
        pending_shares.clear()

    for batch in score_hub_stream(
        store, policy, now, run, stale_after_days=stale_after_days, progress=progress
    ):
        run.records += len(batch.records)
        pending += batch.records
        pending_shares += batch.shares
        states += batch.states
        if len(pending) + len(pending_shares) >= FLUSH:
            with store.transaction() as tx:
                write(tx)
    if run.records:  # a run that found nothing to do writes nothing, not even an entry
        with store.transaction() as tx:
            write(tx)
            tx.put_score_states(states)
            tx.append_audit(draft(run))
    return run


def score_as_of(store: Store, subject: str, as_of: datetime) -> ScoreRecord | None:
    """The score recorded for `subject` at or before `as_of`: history, not a recomputation."""
    return store.latest_scores([subject], as_of).get(subject)
