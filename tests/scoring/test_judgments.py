"""The SOC judgments (scenarios.yaml) hold under the default policy, and `crsa score
--check-policy` reports every judgment a policy breaks, naming it and its reason."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

from click.testing import CliRunner

from hub.cli import main
from hub.risk.scoring import default_policy
from hub.risk.scoring.judgments import judge, load, scenarios_text
from hub.risk.scoring.policy import ScoringPolicy, policy_text

HERE = Path(__file__).parent


def test_the_scenarios_here_are_the_ones_the_hub_checks() -> None:
    assert (HERE / "scenarios.yaml").read_text(encoding="utf-8") == scenarios_text()


def test_the_default_policy_passes_every_judgment() -> None:
    judgments = load(scenarios_text())
    above = Counter(j.level for j in judgments if j.relation == "above")
    assert sum(above.values()) >= 30 and all(above[level] >= 5 for level in above)
    assert set(above) == {"asset", "system", "agency"}
    broken = [v.describe() for v in judge(judgments, default_policy()) if not v.held]
    assert broken == []


def test_the_previous_policy_broke_the_judgments_this_one_keeps() -> None:
    """The 2026.1 policy is what the outside review found wanting: a host with live C2 and
    no CVE scored nothing, and a silent host counted as a clean one."""
    previous = resources.files("hub.risk.scoring") / "previous" / "2026.1.yaml"
    old = ScoringPolicy.parse(previous.read_text(encoding="utf-8"))
    broken = {v.judgment.name for v in judge(load(scenarios_text()), old) if not v.held}
    assert "live C2 beats an unexploited critical" in broken
    assert "a silent host is not a clean host" in broken
    assert "a small agency with exposed KEV hosts beats a big one with lows" in broken


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["score", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_check_policy_reports_each_broken_judgment(tmp_path: Path) -> None:
    default = tmp_path / "default.yaml"
    default.write_text(policy_text(), encoding="utf-8")
    code, out = run("--check-policy", str(default))
    assert code == 0 and "passes all" in out
    weak = tmp_path / "weak.yaml"
    weak.write_text(
        policy_text()
        .replace('version: "2027.1"', 'version: "weak-c2"')
        .replace("command-and-control: 100.0", "command-and-control: 1.0"),
        encoding="utf-8",
    )
    code, out = run("--check-policy", str(weak))
    assert code == 1
    assert "BROKEN: live C2 beats an unexploited critical (asset)" in out
    assert "Why: Live contact with a C2 server" in out
    assert "policy weak-c2 breaks 4 of" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(policy_text().replace("half_life_days: 7", "half_life_days: -1"))
    code, out = run("--check-policy", str(bad))
    assert code == 1 and "compromise.decay.half_life_days must be a number" in out
