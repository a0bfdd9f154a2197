"""Playbook files: the built-in ones are valid, and an invalid one is refused with its file
and line while the others load."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from playbooks.definition import BUILTIN, PlaybookError, load_all, parse

GOOD = """\
name: kev-webhook
trigger: kev_finding
when:
  severity: {in: [critical, high]}
  due_in_days: {lte: 14}
actions:
  - webhook: {url: "http://127.0.0.1:9/hook"}
"""


def test_the_built_in_playbooks_are_valid() -> None:
    good, bad = load_all([BUILTIN])
    assert bad == []
    assert {b.trigger for b in good} == {
        "kev_finding", "sighting", "score", "sbom_missing", "feed_failed",
    }  # fmt: skip
    [sbom] = [b for b in good if b.trigger == "sbom_missing"]
    assert sbom.params == {"days": 90}


def test_conditions_decide() -> None:
    book = parse(GOOD, "good.yaml")
    assert book.matches({"severity": "high", "due_in_days": 3})
    assert not book.matches({"severity": "high", "due_in_days": 30})
    assert not book.matches({"severity": "low", "due_in_days": 3})
    assert not book.matches({"severity": "high", "due_in_days": None})  # no due date: no


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (GOOD.replace("kev_finding", "kev"), 2, "trigger 'kev' is not one of"),
        (GOOD.replace("due_in_days: {lte: 14}", "due_days: {lte: 14}"), 5, "no field 'due_days'"),
        (GOOD.replace("{lte: 14}", "{lte: soon}"), 5, "due_in_days.lte"),
        (GOOD.replace("webhook: {url", "webhok: {url"), 7, "actions[0]"),
        (GOOD.replace('"http://127.0.0.1:9/hook"', "ftp://x"), 7, "actions[0].webhook.url"),
        ("name: x\ntrigger: feed_failed\nactions:\n  - triage: {}\n  - share: {tlp: amber}\n", 5,
         "a share action needs an event of incident, kev_finding, sighting, not feed_failed"),
        (GOOD + "  - share: {tlp: red}\n", 8, "actions[1].share.tlp"),
        (GOOD + "  - email: {to: [a@b.example], subject: 'x ${nope}'}\n", 8, "${nope}"),
        (GOOD.replace("when:", "when: [oops"), 4, "not valid YAML"),
        ("name: x\ntrigger:\n  sbom_missing: {days: soon}\nactions: [{triage: {}}]\n", 3,
         "no parameter days='soon'"),
        (GOOD.replace("name: kev-webhook", "name: Bad Name"), 1, "name"),
    ],
)  # fmt: skip
def test_invalid_playbooks_name_their_file_and_line(text: str, line: int, says: str) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse(text, "pb.yaml")
    assert caught.value.line == line, caught.value.message
    assert caught.value.message.startswith(f"pb.yaml:{line}: ")
    assert says in caught.value.message


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b-bad.yaml").write_text(GOOD.replace("kev_finding", "nope"), encoding="utf-8")
    (tmp_path / "c-twin.yaml").write_text(GOOD, encoding="utf-8")
    good, bad = load_all([tmp_path])
    assert [b.name for b in good] == ["kev-webhook"]
    assert [Path(e.path).name for e in bad] == ["b-bad.yaml", "c-twin.yaml"]
    assert "already used" in bad[1].message


def test_cli_validate_and_list(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    ok = runner.invoke(main, [*home, "playbooks", "validate", str(tmp_path / "good.yaml")])
    assert ok.exit_code == 0 and "kev-webhook" in ok.output
    (tmp_path / "bad.yaml").write_text(GOOD.replace("{lte: 14}", "{lte: soon}"), encoding="utf-8")
    bad = runner.invoke(main, [*home, "playbooks", "validate", str(tmp_path)])
    assert bad.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}:5: when.due_in_days" in bad.output
    assert "1 of 2 playbooks are invalid" in bad.output and "Traceback" not in bad.output
    listed = runner.invoke(main, [*home, "playbooks", "list"])
    assert listed.exit_code == 0
    assert "kev-due-soon\tkev_finding\ttriage,tag" in listed.output
