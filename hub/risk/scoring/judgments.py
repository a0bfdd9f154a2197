"""Judgments a SOC lead would make, checked against a scoring policy.

A judgment says "situation A must rank above situation B" (or "the same as") at the
level of an asset, a system or an agency, with a sentence of why. Situations are small
descriptions (findings, sightings, checks, hosts that stopped reporting, accepted risks)
built into the same inputs the hub scores, and scored by the same pure engine, so a
policy that passes the judgments ranks real data the way they say. `crsa score
--check-policy FILE` runs them against a policy before it is put in force.

Assets rank by points. Systems and agencies rank by their risk index (the per-asset
measure under a power_mean policy), then by points: the index decides, the sum breaks ties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from itertools import count
from typing import Any

import yaml

from hub.risk.scoring.compute import graded, measure_over, organization_score, system_state
from hub.risk.scoring.engine import EvidenceInput, FindingInput, Score
from hub.risk.scoring.policy import PolicyError, ScoringPolicy
from hub.risk.scoring.system import AssetInput, CheckInput, SystemInputs, score_system

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STALE_AFTER_DAYS = 7
LEVELS = ("asset", "system", "agency")
RELATIONS = ("above", "same")


@dataclass(frozen=True)
class Judgment:
    name: str
    level: str
    relation: str
    why: str
    a: dict[str, Any]
    b: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    judgment: Judgment
    a: tuple[float, float]  # (index, points) of situation A
    b: tuple[float, float]
    held: bool

    def describe(self) -> str:
        j = self.judgment
        word = "above" if j.relation == "above" else "the same as"
        numbers = (
            f"A {self.a[1]:.2f} points, B {self.b[1]:.2f} points"
            if j.level == "asset"
            else f"A index {self.a[0]:.2f} ({self.a[1]:.2f} points),"
            f" B index {self.b[0]:.2f} ({self.b[1]:.2f} points)"
        )
        state = "holds" if self.held else "BROKEN"
        return f"{state}: {j.name} ({j.level}): A must rank {word} B: {numbers}. Why: {j.why}"


def scenarios_text() -> str:
    return (resources.files("hub.risk.scoring") / "scenarios.yaml").read_text(encoding="utf-8")


def load(text: str) -> list[Judgment]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"the scenarios are not YAML: {exc}") from None
    raw = doc.get("judgments") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise PolicyError("a scenarios file needs a list of judgments")
    out = []
    for n, j in enumerate(raw):
        where = f"judgments[{n}]"
        if not isinstance(j, dict):
            raise PolicyError(f"{where} must be a mapping")
        level, relation = j.get("level"), j.get("relation", "above")
        if level not in LEVELS or relation not in RELATIONS:
            raise PolicyError(f"{where} needs a level ({', '.join(LEVELS)}) and a relation")
        if not str(j.get("why", "")).strip() or not isinstance(j.get("a"), dict):
            raise PolicyError(f"{where} needs a 'why' and situations 'a' and 'b'")
        if not isinstance(j.get("b"), dict):
            raise PolicyError(f"{where} needs situations 'a' and 'b'")
        name = str(j.get("name") or f"judgment {n + 1}")
        out.append(Judgment(name, level, relation, str(j["why"]).strip(), j["a"], j["b"]))
    return out


class _Builder:
    """Situations into the inputs the hub scores, with fresh ids for every object."""

    def __init__(self) -> None:
        self._ids = count(1)

    def _id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    def system(self, doc: dict[str, Any], org_id: str) -> SystemInputs:
        system_id = self._id("system")
        criticality = str(doc.get("criticality", "moderate"))
        exposed = bool(doc.get("internet_facing", False))
        assets: list[AssetInput] = []
        findings: list[FindingInput] = []
        checks: list[CheckInput] = []
        evidence: list[EvidenceInput] = []
        for spec in doc.get("assets", [{}]):
            for _ in range(int(spec.get("count", 1))):
                asset_id = self._id("asset")
                silent = spec.get("reported_days_ago", 0)
                assets.append(AssetInput(asset_id, NOW - timedelta(days=float(silent))))
                sightings = [
                    self._evidence(s, asset_id, criticality) for s in spec.get("sightings", [])
                ]
                evidence += [e for group in sightings for e in group]
                sighted = any(e.active for group in sightings for e in group)
                for f in spec.get("findings", []):
                    findings += self._findings(f, asset_id, criticality, exposed, sighted)
                for c in spec.get("checks", []):
                    checks.append(
                        CheckInput(
                            asset_id,
                            self._id("check"),
                            "",
                            str(c.get("severity", "medium")),
                            str(c.get("status", "fail")),
                            NOW + timedelta(days=30) if c.get("accepted") else None,
                        )
                    )
        for f in doc.get("sbom_findings", []):
            findings += self._findings(f, "", criticality, exposed, False)
        return SystemInputs(
            id=system_id,
            org_id=org_id,
            criticality=criticality,
            internet_facing=exposed,
            has_sbom=bool(doc.get("sbom", True)),
            assets=tuple(assets),
            findings=tuple(findings),
            checks=tuple(checks),
            evidence=tuple(evidence),
        )

    def _findings(
        self, f: dict[str, Any], asset_id: str, criticality: str, exposed: bool, sighted: bool
    ) -> list[FindingInput]:
        due_in = f.get("kev_due_in_days")
        return [
            FindingInput(
                id=self._id("finding"),
                severity=str(f.get("severity", "medium")),
                status=str(f.get("status", "open")),
                kev=bool(f.get("kev", False)),
                kev_due=None
                if due_in is None
                else (NOW + timedelta(days=due_in)).date().isoformat(),
                epss=f.get("epss"),
                first_seen=NOW - timedelta(days=float(f.get("days_open", 0))),
                vex=str(f.get("vex", "")),
                sighted=sighted,
                internet_facing=exposed,
                criticality=criticality,
                accepted_until=NOW + timedelta(days=30) if f.get("accepted") else None,
                asset_id=asset_id,
                purl=str(f.get("purl", "pkg:pypi/example@1.0")),
                vuln_id=self._id("CVE"),
                fixed_in=("2.0",),
            )
            for _ in range(int(f.get("count", 1)))
        ]

    def _evidence(self, s: dict[str, Any], asset_id: str, criticality: str) -> list[EvidenceInput]:
        ended = s.get("ended_days_ago")
        return [
            EvidenceInput(
                id=self._id("sighting"),
                kind="sighting",
                asset_id=asset_id,
                indicator_id=str(s.get("indicator", self._id("indicator"))),
                name=str(s.get("name", "indicator")),
                types=tuple(s.get("types", ["malicious-activity"])),
                phases=tuple(s.get("phases", [])),
                confidence=s.get("confidence"),
                tlp=str(s.get("tlp", "green")),
                hosts=int(s.get("hosts", 1)),
                agencies=int(s.get("agencies", 1)),
                active=ended is None,
                last_seen=NOW - timedelta(days=float(ended or 0)),
                criticality=criticality,
            )
            for _ in range(int(s.get("count", 1)))
        ]


def _rank(level: str, situation: dict[str, Any], policy: ScoringPolicy) -> tuple[float, float]:
    """(risk index, points) of a situation at its level."""
    build = _Builder()
    if level == "asset":
        system = build.system({**situation.get("system", {}), "assets": [situation]}, "agency")
        result = score_system(system, policy, NOW, STALE_AFTER_DAYS)
        asset: Score = result.assets[0]
        return asset.points, asset.points
    systems = situation.get("systems", [situation]) if level == "agency" else [situation]
    states = []
    for spec in systems:
        for _ in range(int(spec.get("count", 1)) if level == "agency" else 1):
            inputs = build.system(spec, "agency")
            result = score_system(inputs, policy, NOW, STALE_AFTER_DAYS)
            states.append(system_state(inputs, result, policy, NOW, NOW))
    score, _ = organization_score("agency", states)
    index, _ = graded(score, measure_over(states), policy)
    return index, score.points


def judge(judgments: list[Judgment], policy: ScoringPolicy) -> list[Verdict]:
    verdicts = []
    for j in judgments:
        a, b = _rank(j.level, j.a, policy), _rank(j.level, j.b, policy)
        if j.relation == "same":
            held = math.isclose(a[0], b[0], rel_tol=1e-9, abs_tol=1e-9)
        else:
            held = a > b  # the index decides; points break a tie
        verdicts.append(Verdict(j, a, b, held))
    return verdicts
