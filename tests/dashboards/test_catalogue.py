"""Every word the dashboards show comes from the catalogue (`dashboards/i18n.py`), in
Japanese and English (issue 21, "Japanese throughout"): the pages' source is read, and a
visible string written in the code instead of taken from the catalogue fails this test,
naming the file and line. Data (names, ids, numbers) never passes through the code as a
literal, so what is left are the words a Japanese reader would otherwise see in English.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboards.i18n import GRID_TEXT, TEXT

ROOT = Path(__file__).resolve().parents[2] / "dashboards"
SOURCES = sorted([*ROOT.glob("pages/*.py"), ROOT / "view.py", ROOT / "places.py"])
# Words that are the same in both languages: standards' names and abbreviations.
SAME = frozenset(
    {
        "TLP",
        "KEV",
        "URL",
        "ZIP",
        "SBOM",
        "EPSS",
        "CVSS",
        "CVE",
        "STIX",
        "TAXII",
        "NTIA",
        "OS",
        "purl",
        "VEX",
    }
)
# Calls whose arguments are shown: (name, positions of shown arguments).
SHOWN_ARGS = {"stat": (1,), "section": (0,), "chart": (2,)}
SHOWN_KEYWORDS = {"children", "label", "placeholder", "title", "summary", "headerName"}
# Components whose positional argument is their visible content.
COMPONENTS = {"html", "dbc"}
CODE = {"Pre", "Code"}  # code reads the same in every language


def _words(text: str) -> bool:
    """Whether a literal holds words (letters), other than the same-in-both names."""
    rest = re.sub(r"\b(" + "|".join(SAME) + r")\b", "", text)
    return re.search(r"[A-Za-z]{2,}", rest) is not None


def _literal_words(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _words(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return text if _words(text) else None
    return None


def _name(func: ast.expr) -> tuple[str, str]:
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    return "", ""


def misses(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        module, name = _name(node.func)
        shown: list[ast.expr] = []
        if name == "table" and len(node.args) >= 3 and isinstance(node.args[2], ast.List):
            shown += [e.elts[1] for e in node.args[2].elts if isinstance(e, ast.Tuple)]
        for position in SHOWN_ARGS.get(name, ()):
            if len(node.args) > position:
                shown.append(node.args[position])
        if module in COMPONENTS and name not in CODE and node.args:
            first = node.args[0]
            shown += first.elts if isinstance(first, ast.List) else [first]
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for part in shown:
            if (text := _literal_words(part)) is not None:
                found.append(f"{path.relative_to(ROOT.parent)}:{part.lineno}: {text!r}")
    return found


def keys_used(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        (("n." if _name(node.func)[1] == "count" else "") + str(node.args[0].value), node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _name(node.func) in (("", "t"), ("", "count"))
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_no_visible_word_is_written_outside_the_catalogue() -> None:
    found = [m for path in SOURCES for m in misses(path)]
    assert found == [], "visible words not from the catalogue:\n" + "\n".join(found)


def test_every_key_the_pages_ask_for_is_in_the_catalogue_in_both_languages() -> None:
    missing = [
        f"{path.name}:{line}: {key}"
        for path in [*SOURCES, ROOT / "session.py"]
        for key, line in keys_used(path)
        if key not in TEXT
    ]
    assert missing == []
    for key, (ja, en) in TEXT.items():
        assert ja.strip() and en.strip(), key
        if ja == en:  # the same only when it is a name both languages use
            assert not _words(en), f"{key}: {en!r} is not translated"


def test_the_grids_speak_japanese_too() -> None:
    """dash-ag-grid's own texts ("No Rows To Show", "Page 1 of 2", its filter menus)."""
    for key in ("noRowsToShow", "page", "of", "to", "next", "previous", "pageSizeSelectorLabel"):
        assert key in GRID_TEXT and not _words(GRID_TEXT[key]), key


def test_the_check_finds_a_word_written_in_the_code(tmp_path: Path) -> None:
    """The check itself: a header, a stat label and a component text written in English."""
    page = ROOT / "pages" / "planted_for_the_test.py"
    page.write_text(
        'def f():\n    table("x", [], [("a", "criticality")])\n'
        '    stat("y", "head", "1")\n    html.Div("Page 1 of 2")\n    t("status")\n',
        encoding="utf-8",
    )
    try:
        found = misses(page)
    finally:
        page.unlink()
    assert [m.rsplit(": ", 1)[1] for m in found] == ["'criticality'", "'head'", "'Page 1 of 2'"]
