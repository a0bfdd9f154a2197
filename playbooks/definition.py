"""Playbook files: YAML, checked against `schema.json` and then against what the trigger's
events hold, with every problem reported as file:line so the author can go straight to it.

A directory loads file by file: an invalid playbook is refused with its reason and the
others load and run (one bad file must not silence every response).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import jsonschema_rs
import yaml

from hub.core.errors import HubError
from hub.core.records.events import Event
from playbooks.conditions import Condition, parse_conditions
from playbooks.events.sources import SOURCES

BUILTIN = Path(__file__).parent / "builtin"
DEFAULT_RATE = (60, 60)  # at most 60 actions a minute per playbook unless it says otherwise
# Which triggers' events each action can act on: sharing needs something STIX can say,
# tagging needs an asset.
FITS = {
    "share": frozenset({"sighting", "kev_finding", "incident"}),
    "tag": frozenset({"sighting", "kev_finding"}),
}
_TEMPLATED = {"triage": ("comment", "title", "owner"), "email": ("subject", "body")}


class PlaybookError(HubError):
    """A playbook file that cannot be used, with where the problem is."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.problem = path, line, message


@dataclass(frozen=True)
class Step:
    """One action of a playbook: its kind ("webhook"...) and its settings."""

    kind: str
    spec: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class Playbook:
    name: str
    path: str
    trigger: str
    params: dict[str, Any] = field(hash=False)
    conditions: tuple[Condition, ...]
    steps: tuple[Step, ...]
    rate_max: int
    rate_seconds: int
    description: str = ""
    enabled: bool = True
    backfill: bool = False

    def matches(self, fields: dict[str, Any]) -> bool:
        return all(c.holds(fields) for c in self.conditions)


@cache
def _validator() -> Any:
    schema = json.loads(resources.files("playbooks").joinpath("schema.json").read_text("utf-8"))
    return jsonschema_rs.validator_for(schema)


def _line(root: yaml.Node | None, path: list[str | int]) -> int:
    """The 1-based line of the deepest node of `path` that exists in the YAML tree."""
    node = root
    line = 1 if root is None else root.start_mark.line + 1
    for step in path:
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    nxt = value
                    line = key.start_mark.line + 1
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            nxt = node.value[step]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def _where(path: list[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}" if text else str(step)
    return text or "(top)"


def parse(text: str, path: str) -> Playbook:
    """One playbook from its YAML text; PlaybookError names the file and line."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlaybookError(
            path, mark.line + 1 if mark else 1, f"not valid YAML: {problem}"
        ) from None
    if not isinstance(data, dict):
        raise PlaybookError(path, 1, "a playbook is a mapping (name, trigger, when, actions)")
    for error in _validator().iter_errors(data):
        where = list(error.instance_path)
        raise PlaybookError(path, _line(root, where), f"{_where(where)}: {error.message}")
    return _check(data, root, path)


def _check(data: dict[str, Any], root: yaml.Node | None, path: str) -> Playbook:
    """What the schema cannot say: the trigger exists, conditions and templates name
    fields its events have, each action fits the trigger."""
    raw = data["trigger"]
    trigger, params = (raw, {}) if isinstance(raw, str) else next(iter(raw.items()))
    source = SOURCES.get(trigger)
    if source is None:
        raise PlaybookError(
            path,
            _line(root, ["trigger"]),
            f"trigger {trigger!r} is not one of: {', '.join(sorted(SOURCES))}",
        )
    for name, value in params.items():
        kind = source.params.get(name)
        if kind is None or not isinstance(value, kind) or isinstance(value, bool):
            allowed = ", ".join(f"{k} ({v.__name__})" for k, v in source.params.items()) or "none"
            raise PlaybookError(
                path,
                _line(root, ["trigger", trigger, name]),
                f"trigger {trigger} has no parameter {name}={value!r}; it takes: {allowed}",
            )
    when = data.get("when") or {}
    for name in when:
        if name not in source.fields:
            raise PlaybookError(
                path,
                _line(root, ["when", name]),
                f"{trigger} events have no field {name!r}; they have: "
                + ", ".join(sorted(source.fields)),
            )
    try:
        conditions = parse_conditions(when)
    except ValueError as exc:
        raise PlaybookError(path, _line(root, ["when"]), str(exc)) from None
    steps = []
    for n, item in enumerate(data["actions"]):
        kind, spec = next(iter(item.items()))
        spec = spec or {}
        fits = FITS.get(kind)
        if fits is not None and trigger not in fits:
            raise PlaybookError(
                path,
                _line(root, ["actions", n, kind]),
                f"a {kind} action needs an event of {', '.join(sorted(fits))}, not {trigger}",
            )
        for key in _TEMPLATED.get(kind, ()):
            if key in spec:
                line = _line(root, ["actions", n, kind, key])
                _check_template(spec[key], source.fields | {"playbook"}, path, line)
        steps.append(Step(kind, dict(spec)))
    rate = data.get("rate_limit") or {}
    return Playbook(
        name=data["name"],
        path=path,
        trigger=trigger,
        params=dict(params),
        conditions=conditions,
        steps=tuple(steps),
        rate_max=int(rate.get("max", DEFAULT_RATE[0])),
        rate_seconds=int(rate.get("per_seconds", DEFAULT_RATE[1])),
        description=data.get("description", ""),
        enabled=bool(data.get("enabled", True)),
        backfill=bool(data.get("backfill", False)),
    )


_PLACEHOLDER = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|\$)")


def _check_template(text: str, fields: frozenset[str], path: str, line: int) -> None:
    for m in _PLACEHOLDER.finditer(text):
        name = m.group("braced") or m.group("named")
        if name is not None and name not in fields:
            raise PlaybookError(
                path, line, f"template names ${{{name}}}, which these events do not have"
            )


def render(text: str, book: Playbook, event: Event) -> str:
    """A template with the event's fields and the playbook's name (${name}): plain
    substitution, no expressions, so a playbook cannot reach into anything else."""
    fields = {**event.view(), "playbook": book.name}
    return Template(text).safe_substitute({k: "" if v is None else v for k, v in fields.items()})


def load_file(path: Path) -> Playbook:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(str(path), 1, f"cannot read: {exc}") from None
    return parse(text, str(path))


def files(places: list[Path]) -> list[Path]:
    """The playbook files at these places (a directory's *.yaml and *.yml, or a file)."""
    found: list[Path] = []
    for place in places:
        if place.is_dir():
            found += sorted([*place.glob("*.yaml"), *place.glob("*.yml")])
        else:
            found.append(place)
    return found


def load_all(places: list[Path]) -> tuple[list[Playbook], list[PlaybookError]]:
    """Every valid playbook, and the refusals; a name used twice keeps the first."""
    good: list[Playbook] = []
    bad: list[PlaybookError] = []
    names: dict[str, str] = {}
    for path in files(places):
        try:
            book = load_file(path)
        except PlaybookError as exc:
            bad.append(exc)
            continue
        if book.name in names:
            bad.append(
                PlaybookError(
                    str(path), 1, f"name {book.name!r} is already used by {names[book.name]}"
                )
            )
            continue
        names[book.name] = book.path
        good.append(book)
    return good, bad
