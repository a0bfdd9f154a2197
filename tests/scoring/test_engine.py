"""The scoring engine's promises, as properties over generated findings (hypothesis), and
the default policy's reasons as worked examples."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.risk.scoring import (
    FindingInput,
    PolicyError,
    ScoringPolicy,
    default_policy,
    grade,
    rollup,
    score_check,
    score_finding,
)
from hub.risk.scoring.compute import graded
from hub.risk.scoring.engine import EvidenceInput, score_evidence
from hub.risk.scoring.system import AssetInput, SystemInputs, score_system

NOW = datetime(2026, 11, 27, tzinfo=UTC)
POLICY = default_policy()

findings = st.builds(
    FindingInput,
    id=st.uuids().map(str),
    severity=st.sampled_from(["critical", "high", "medium", "low", "none", "unknown", "info"]),
    status=st.sampled_from(["open", "open", "open", "fixed", "suppressed"]),
    kev=st.booleans(),
    kev_due=st.one_of(
        st.none(), st.dates(datetime(2024, 1, 1).date(), datetime(2027, 1, 1).date()).map(str)
    ),
    epss=st.one_of(st.none(), st.floats(0.0, 1.0)),
    first_seen=st.datetimes(datetime(2023, 1, 1), datetime(2026, 11, 26), timezones=st.just(UTC)),
    vex=st.sampled_from(["", "", "affected", "under_investigation", "not_affected", "fixed"]),
    sighted=st.booleans(),
    internet_facing=st.booleans(),
    criticality=st.sampled_from(["low", "moderate", "high"]),
    accepted_until=st.one_of(
        st.none(), st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 1), timezones=st.just(UTC))
    ),
)


def total(fs: list[FindingInput]) -> float:
    return rollup("asset", [score_finding(f, POLICY, NOW) for f in fs]).points


@settings(max_examples=300)
@given(st.lists(findings, max_size=12), findings)
def test_adding_an_open_finding_never_lowers_a_score(
    fs: list[FindingInput], extra: FindingInput
) -> None:
    assert total([*fs, replace(extra, status="open")]) >= total(fs)


@settings(max_examples=300)
@given(st.lists(findings, min_size=1, max_size=12), st.data())
def test_fixing_a_finding_never_raises_a_score(fs: list[FindingInput], data: st.DataObject) -> None:
    n = data.draw(st.integers(0, len(fs) - 1))
    fixed = [*fs[:n], replace(fs[n], status="fixed"), *fs[n + 1 :]]
    assert total(fixed) <= total(fs)


@settings(max_examples=300)
@given(findings)
def test_contributions_add_up_and_scores_stay_in_bounds(f: FindingInput) -> None:
    s = score_finding(f, POLICY, NOW)
    assert math.isclose(sum(c.points for c in s.contributions), s.points, abs_tol=1e-9)
    assert s.points >= 0
    # The most a finding can weigh: every factor at its maximum.
    most = (
        max(POLICY.severity_points.values())
        * POLICY.kev_factor
        * (1 + POLICY.epss_weight)
        * POLICY.sighting_factor
        * (1 + POLICY.overdue_cap)
        * POLICY.internet_facing_factor
        * max(POLICY.criticality_factor.values())
    )
    assert s.points <= most + 1e-9
    assert 0.0 <= grade(s.points, POLICY) < 100.0


@given(st.lists(findings, max_size=20))
def test_rollups_add_their_parts_and_grades_follow_points(fs: list[FindingInput]) -> None:
    parts = [score_finding(f, POLICY, NOW) for f in fs]
    asset = rollup("asset", parts)
    system = rollup("system", [asset, rollup("other", [])])
    assert math.isclose(system.points, sum(p.points for p in parts), abs_tol=1e-9)
    assert grade(system.points, POLICY) >= grade(max((p.points for p in parts), default=0), POLICY)


def test_a_worked_example_reads_as_a_sum() -> None:
    """A critical KEV finding, 40 days past its KEV due date, on an internet-facing high system."""
    f = FindingInput(
        id="f1",
        severity="critical",
        status="open",
        kev=True,
        kev_due="2026-10-18",
        epss=0.5,
        first_seen=NOW - timedelta(days=60),
        vex="",
        sighted=False,
        internet_facing=True,
        criticality="high",
    )
    s = score_finding(f, POLICY, NOW)
    assert [(c.reason, round(c.points, 4)) for c in s.contributions] == [
        ("base", 10.0),  # critical
        ("kev", 10.0),  # x2: known exploited
        ("epss", 10.0),  # x1.5: EPSS 0.5
        ("overdue", 10.0),  # 40 days late: +33.3% of 30 -> 1 + 0.25 * 40/30
        ("exposure", 20.0),  # x1.5 internet-facing
        ("criticality", 30.0),  # x1.5 high criticality
    ]
    assert s.points == pytest.approx(90.0) and s.flags == ("overdue",)
    accepted = score_finding(replace(f, accepted_until=NOW + timedelta(days=30)), POLICY, NOW)
    assert accepted.points == pytest.approx(22.5) and "accepted_risk" in accepted.flags
    expired = score_finding(replace(f, accepted_until=NOW - timedelta(days=1)), POLICY, NOW)
    assert expired.points == pytest.approx(90.0)
    assert score_finding(replace(f, vex="not_affected"), POLICY, NOW).points == 0.0
    unrated = score_finding(replace(f, severity="unknown", kev=False, epss=None), POLICY, NOW)
    assert "unrated" in unrated.flags and unrated.points > 0


def test_failed_checks_count_by_severity_and_criticality() -> None:
    assert score_check("c", "high", "fail", "high", POLICY).points == pytest.approx(4.5)
    assert score_check("c", "high", "pass", "high", POLICY).points == 0.0
    assert score_check("c", "low", "not_applicable", "low", POLICY).points == 0.0


def test_policies_are_checked_when_loaded() -> None:
    text = (resources.files("hub.risk.scoring") / "default.yaml").read_text(encoding="utf-8")
    assert ScoringPolicy.parse(text) == POLICY and POLICY.version == "2027.1"
    with pytest.raises(PolicyError, match="needs a version"):
        ScoringPolicy.parse("severity_points: {}")
    with pytest.raises(PolicyError, match="severity_points lacks"):
        ScoringPolicy.parse(text.replace("  unknown: 3.0", ""))
    with pytest.raises(PolicyError, match="kev_factor must be a number >= 1"):
        ScoringPolicy.parse(text.replace("kev_factor: 2.0", "kev_factor: 0.5"))
    with pytest.raises(PolicyError, match="accepting a risk never adds"):
        ScoringPolicy.parse(text.replace("accepted_risk_factor: 0.25", "accepted_risk_factor: 2"))


evidence = st.builds(
    EvidenceInput,
    id=st.uuids().map(str),
    kind=st.just("sighting"),
    asset_id=st.sampled_from(["a1", "a2", "a3"]),
    indicator_id=st.sampled_from(["indicator--1", "indicator--2"]),
    name=st.just("C2"),
    types=st.lists(st.sampled_from(["malicious-activity", "compromised", "benign", "x"])).map(
        tuple
    ),
    phases=st.lists(st.sampled_from(["command-and-control", "exfiltration", "nope"])).map(tuple),
    confidence=st.one_of(st.none(), st.integers(0, 100)),
    tlp=st.sampled_from(["red", "amber", "green", "clear", ""]),
    hosts=st.integers(1, 10_000),
    agencies=st.integers(1, 200),
    active=st.booleans(),
    last_seen=st.datetimes(datetime(2026, 9, 1), datetime(2026, 11, 27), timezones=st.just(UTC)),
    criticality=st.sampled_from(["low", "moderate", "high"]),
)
assets = st.lists(
    st.builds(
        AssetInput,
        id=st.sampled_from(["a1", "a2", "a3"]),
        last_seen=st.one_of(
            st.none(), st.datetimes(datetime(2026, 11, 1), NOW.replace(tzinfo=None),
                                    timezones=st.just(UTC))
        ),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda a: a.id,
)  # fmt: skip


def system_of(
    hosts: list[AssetInput], fs: list[FindingInput], es: list[EvidenceInput]
) -> SystemInputs:
    ids = [a.id for a in hosts]
    return SystemInputs(
        "s", "o", "moderate", False, True, tuple(hosts),
        tuple(replace(f, asset_id=ids[n % len(ids)]) for n, f in enumerate(fs)),
        (), tuple(replace(e, asset_id=ids[n % len(ids)]) for n, e in enumerate(es)),
    )  # fmt: skip


def index_of(inputs: SystemInputs) -> tuple[float, float]:
    result = score_system(inputs, POLICY, NOW, 7)
    return graded(result.score, result.measure, POLICY)[0], result.score.points


@settings(max_examples=200)
@given(evidence)
def test_a_sighting_scores_as_a_sum_bounded_and_never_below_zero(e: EvidenceInput) -> None:
    s = score_evidence(e, POLICY, NOW)
    assert math.isclose(sum(c.points for c in s.contributions), s.points, abs_tol=1e-9)
    c = POLICY.compromise
    assert c is not None
    most = (
        max([*c.phase_points.values(), *c.type_points.values()])
        * max(c.tlp_factor.values())
        * (1 + c.spread_cap)
        * max(POLICY.criticality_factor.values())
    )
    assert 0 <= s.points <= most + 1e-9


@settings(max_examples=200, deadline=None)
@given(assets, st.lists(findings, max_size=8), st.lists(evidence, max_size=3), findings, evidence)
def test_more_findings_or_sightings_never_lower_a_systems_grade(
    hosts: list[AssetInput],
    fs: list[FindingInput],
    es: list[EvidenceInput],
    extra: FindingInput,
    seen: EvidenceInput,
) -> None:
    """Monotonic and bounded at system level too: the per-asset measure, the index and the
    points only rise with an open finding or a live sighting, and every asset's and the
    system's points are the sum of their parts."""
    before = system_of(hosts, fs, es)
    more = system_of(hosts, [*fs, replace(extra, status="open")], es)
    sighted = system_of(hosts, fs, [*es, replace(seen, active=True)])
    for after in (more, sighted):
        (i0, p0), (i1, p1) = index_of(before), index_of(after)
        assert i1 >= i0 - 1e-9 and p1 >= p0 - 1e-9
        assert 0.0 <= i0 <= i1 < 100.0
    result = score_system(more, POLICY, NOW, 7)
    for asset in result.assets:
        assert math.isclose(sum(c.points for c in asset.contributions), asset.points,
                            abs_tol=1e-6)  # fmt: skip
    assert math.isclose(sum(c.points for c in result.score.contributions), result.score.points,
                        abs_tol=1e-6)  # fmt: skip
