"""The scoring policy: a versioned YAML file, checked when loaded.

Every number the engine uses comes from here, so a score is reproducible from
(the inputs, the policy version) alone, and an agency's own policy is a file
with a new version, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hub.core.errors import ConfigError

SEVERITIES = ("critical", "high", "medium", "low", "none", "unknown")
# "info": an informational advisory (unmaintained, unsound, a notice), not a vulnerability.
# Optional, so that a policy written before it existed still loads and scores as it did.
OPTIONAL_SEVERITIES = ("info",)
CRITICALITIES = ("low", "moderate", "high")
CHECK_SEVERITIES = ("critical", "high", "medium", "low")
TLPS = ("red", "amber", "green", "clear")
INCIDENT_SEVERITIES = ("low", "medium", "high", "critical")
# Points of an open incident an agency reported, for a policy written before incidents
# were scored (its `compromise` section has no `incident_points`).
INCIDENT_POINTS = {"low": 25.0, "medium": 60.0, "high": 100.0, "critical": 150.0}


class PolicyError(ConfigError):
    """A scoring policy file that cannot be used; the message names the key."""


def _number(doc: dict[str, Any], key: str, where: str, *, minimum: float = 0.0) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise PolicyError(f"{where}.{key} must be a number >= {minimum:g}, got {value!r}")
    return float(value)


def _table(
    doc: dict[str, Any], key: str, names: tuple[str, ...], minimum: float = 0.0
) -> dict[str, float]:
    table = doc.get(key)
    if not isinstance(table, dict):
        raise PolicyError(f"{key} must be a mapping of {', '.join(names)}")
    missing = [n for n in names if n not in table]
    if missing:
        raise PolicyError(f"{key} lacks {', '.join(missing)}")
    return {n: _number(table, n, key, minimum=minimum) for n in names}


@dataclass(frozen=True)
class Band:
    """One named stretch of the 0-100 risk index: what a reader sees beside the number."""

    letter: str
    word: str
    below: float  # the band holds indices under this (the last one: up to 100)


@dataclass(frozen=True)
class GradePolicy:
    """How points become a grade. `measure` "sum" is the grade of the points themselves
    (policies before 2027); "power_mean" grades an agency or system by the power mean of
    its assets' points, so size alone moves nothing (power 1 is AWARE's average per
    device; 2 lets a few bad hosts weigh more than many slightly bad ones)."""

    measure: str
    power: float
    scale: float
    bands: tuple[Band, ...]

    def label(self, letter: str) -> str:
        """'D high' for a band letter; '' for none (scores from before bands)."""
        found = next((b for b in self.bands if b.letter == letter), None)
        return f"{found.letter} {found.word}" if found else ""

    def band(self, index: float) -> Band | None:
        for b in self.bands:
            if index < b.below:
                return b
        return self.bands[-1] if self.bands else None


@dataclass(frozen=True)
class CompromisePolicy:
    """Points a sighting of a partner indicator adds to the asset it was seen on."""

    phase_points: dict[str, float]
    type_points: dict[str, float]
    confidence_unstated: float
    confidence_floor: float
    tlp_factor: dict[str, float]
    per_extra_agency: float
    per_host_doubling: float
    spread_cap: float
    half_life_days: float
    forget_after_days: float
    # An incident an agency reported on the asset (or its system), by its severity.
    incident_points: dict[str, float] = field(default_factory=lambda: dict(INCIDENT_POINTS))


def _compromise(doc: Any) -> CompromisePolicy | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise PolicyError("compromise must be a mapping")
    confidence = doc.get("confidence") or {}
    spread = doc.get("spread") or {}
    decay = doc.get("decay") or {}
    types = _table(doc, "type_points", ("unknown",))
    types.update({k: _number(doc["type_points"], k, "type_points") for k in doc["type_points"]})
    phases = doc.get("phase_points") or {}
    if not isinstance(phases, dict):
        raise PolicyError("compromise.phase_points must be a mapping of kill-chain phases")
    floor = _number(confidence, "floor", "compromise.confidence")
    unstated = _number(confidence, "unstated", "compromise.confidence")
    if floor > 1 or unstated > 1:
        raise PolicyError("compromise.confidence factors must be at most 1")
    return CompromisePolicy(
        phase_points={k: _number(phases, k, "compromise.phase_points") for k in phases},
        type_points=types,
        confidence_unstated=unstated,
        confidence_floor=floor,
        tlp_factor=_table(doc, "tlp_factor", TLPS),
        per_extra_agency=_number(spread, "per_extra_agency", "compromise.spread"),
        per_host_doubling=_number(spread, "per_host_doubling", "compromise.spread"),
        spread_cap=_number(spread, "cap", "compromise.spread"),
        half_life_days=_number(decay, "half_life_days", "compromise.decay", minimum=0.1),
        forget_after_days=_number(decay, "forget_after_days", "compromise.decay"),
        incident_points=(
            _table(doc, "incident_points", INCIDENT_SEVERITIES)
            if "incident_points" in doc
            else dict(INCIDENT_POINTS)
        ),
    )


def _grades(doc: dict[str, Any]) -> GradePolicy:
    spec = doc.get("grades")
    if spec is None:  # policies before 2027: the grade of the points, no bands
        return GradePolicy("sum", 1.0, _number(doc, "grade_scale", "policy", minimum=1.0), ())
    if not isinstance(spec, dict) or spec.get("measure") not in ("sum", "power_mean"):
        raise PolicyError("grades.measure must be sum or power_mean")
    raw = spec.get("bands")
    if not isinstance(raw, list) or len(raw) < 3:
        raise PolicyError("grades.bands must list at least three bands, best first")
    bands, last = [], 0.0
    for n, b in enumerate(raw):
        if not isinstance(b, dict) or not b.get("letter") or not b.get("word"):
            raise PolicyError(f"grades.bands[{n}] needs a letter, a word and 'below'")
        below = _number(b, "below", f"grades.bands[{n}]")
        if below <= last or below > 100:
            raise PolicyError(f"grades.bands[{n}].below must rise, up to 100")
        bands.append(Band(str(b["letter"]), str(b["word"]), below))
        last = below
    if last != 100:
        raise PolicyError("the last of grades.bands must reach 100")
    return GradePolicy(
        str(spec["measure"]),
        _number(spec, "power", "grades", minimum=1.0),
        _number(spec, "scale", "grades", minimum=0.01),
        tuple(bands),
    )


@dataclass(frozen=True)
class ScoringPolicy:
    version: str
    severity_points: dict[str, float]
    kev_factor: float
    epss_weight: float
    sighting_factor: float
    deadlines_days: dict[str, float]
    overdue_per_30_days: float
    overdue_cap: float
    internet_facing_factor: float
    criticality_factor: dict[str, float]
    check_points: dict[str, float]
    accepted_risk_factor: float
    grades: GradePolicy
    compromise: CompromisePolicy | None = None
    unreported_asset_points: float = 0.0  # an asset no collector reported lately

    @property
    def grade_scale(self) -> float:
        return self.grades.scale

    @classmethod
    def parse(cls, text: str) -> ScoringPolicy:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"the scoring policy is not YAML: {exc}") from None
        if not isinstance(doc, dict) or not str(doc.get("version", "")).strip():
            raise PolicyError("a scoring policy needs a version")
        exploitation = doc.get("exploitation") or {}
        overdue = doc.get("overdue") or {}
        exposure = doc.get("exposure") or {}
        accepted = _number(doc, "accepted_risk_factor", "policy")
        if accepted > 1:
            raise PolicyError(
                "accepted_risk_factor must be at most 1: accepting a risk never adds to it"
            )
        factors = {
            "kev_factor": _number(exploitation, "kev_factor", "exploitation", minimum=1.0),
            "sighting_factor": _number(
                exploitation, "sighting_factor", "exploitation", minimum=1.0
            ),
            "internet_facing_factor": _number(
                exposure, "internet_facing_factor", "exposure", minimum=1.0
            ),
        }
        return cls(
            version=str(doc["version"]),
            severity_points={
                **_table(doc, "severity_points", SEVERITIES),
                **{
                    k: _number(doc["severity_points"], k, "severity_points")
                    for k in OPTIONAL_SEVERITIES
                    if k in doc["severity_points"]
                },
            },
            epss_weight=_number(exploitation, "epss_weight", "exploitation"),
            deadlines_days=_table(doc, "deadlines_days", SEVERITIES, minimum=1.0),
            overdue_per_30_days=_number(overdue, "per_30_days", "overdue"),
            overdue_cap=_number(overdue, "cap", "overdue"),
            criticality_factor=_table(doc, "criticality_factor", CRITICALITIES),
            check_points=_table(doc, "check_points", CHECK_SEVERITIES),
            accepted_risk_factor=accepted,
            grades=_grades(doc),
            compromise=_compromise(doc.get("compromise")),
            unreported_asset_points=_number(
                doc.get("coverage") or {"unreported_asset_points": 0},
                "unreported_asset_points",
                "coverage",
            ),
            **factors,
        )


def policy_text() -> str:
    """The default policy file as shipped: what exports carry beside their scores."""
    return (resources.files("hub.risk.scoring") / "default.yaml").read_text(encoding="utf-8")


def load_policy(path: str = "") -> tuple[ScoringPolicy, str]:
    """The policy in force and its text: `path`, or the default when it is empty."""
    if not path:
        return default_policy(), policy_text()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            f"cannot read the scoring policy {path}: {exc.strerror}",
            hint="set scoring_policy to a readable YAML file, or leave it empty for the default",
        ) from None
    return ScoringPolicy.parse(text), text


@cache
def default_policy() -> ScoringPolicy:
    return ScoringPolicy.parse(policy_text())
