"""The scoring policy: a versioned YAML file, checked when loaded.

Every number the engine uses comes from here, so a score is reproducible from
(the inputs, the policy version) alone, and an agency's own policy is a file
with a new version, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hub.errors import ConfigError

SEVERITIES = ("critical", "high", "medium", "low", "none", "unknown")
CRITICALITIES = ("low", "moderate", "high")
CHECK_SEVERITIES = ("critical", "high", "medium", "low")


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
    grade_scale: float

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
            severity_points=_table(doc, "severity_points", SEVERITIES),
            epss_weight=_number(exploitation, "epss_weight", "exploitation"),
            deadlines_days=_table(doc, "deadlines_days", SEVERITIES, minimum=1.0),
            overdue_per_30_days=_number(overdue, "per_30_days", "overdue"),
            overdue_cap=_number(overdue, "cap", "overdue"),
            criticality_factor=_table(doc, "criticality_factor", CRITICALITIES),
            check_points=_table(doc, "check_points", CHECK_SEVERITIES),
            accepted_risk_factor=accepted,
            grade_scale=_number(doc, "grade_scale", "policy", minimum=1.0),
            **factors,
        )


def policy_text() -> str:
    """The default policy file as shipped: what exports carry beside their scores."""
    return (resources.files("hub.scoring") / "default.yaml").read_text(encoding="utf-8")


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
