"""Conditions on an event's fields: `when: {field: value}` or `{field: {op: value}}`, all of
which must hold. Comparisons with a missing or null field are false, never an error, so
a playbook about due dates simply skips findings without one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _compare(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, wanted: Any) -> bool:
        a, w = _number(actual), _number(wanted)
        return a is not None and w is not None and test(a, w)

    return check


def _contains(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, list | tuple):
        return wanted in actual
    return isinstance(actual, str) and str(wanted) in actual


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda a, w: a == w,
    "not_equals": lambda a, w: a != w,
    "in": lambda a, w: a in w,
    "not_in": lambda a, w: a not in w,
    "gt": _compare(lambda a, w: a > w),
    "gte": _compare(lambda a, w: a >= w),
    "lt": _compare(lambda a, w: a < w),
    "lte": _compare(lambda a, w: a <= w),
    "contains": _contains,
    "matches": lambda a, w: isinstance(a, str) and re.search(w, a) is not None,
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any

    def holds(self, fields: dict[str, Any]) -> bool:
        return OPS[self.op](fields.get(self.field), self.value)


def parse_conditions(when: dict[str, Any]) -> tuple[Condition, ...]:
    """The conditions of a `when` mapping; ValueError for an unusable regular expression."""
    out = []
    for name, test in when.items():
        tests = test if isinstance(test, dict) else {"equals": test}
        for op, value in tests.items():
            if op == "matches":
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ValueError(
                        f"{name}: {value!r} is not a regular expression: {exc}"
                    ) from None
            out.append(Condition(name, op, value))
    return tuple(out)
