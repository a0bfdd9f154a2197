"""The documentation speaks to the hub's users: what it does and how, not the project's
issue numbers (issue 21, item 12), and its pictures show no test machine's paths."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def test_no_document_names_an_issue_number() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in DOCS
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bissues? #?\d+", line, re.I)
    ]
    assert found == []


def test_every_screenshot_the_docs_show_exists() -> None:
    shown = {
        (path.parent / target).resolve()
        for path in DOCS
        for target in re.findall(r"\]\((screenshots/[^)]+\.png)\)", path.read_text("utf-8"))
    }
    assert shown and all(p.is_file() for p in shown), sorted(str(p) for p in shown)
