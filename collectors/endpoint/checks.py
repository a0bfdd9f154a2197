"""Configuration checks: declarative YAML policies evaluated on the host.

A policy names the OS families it applies to and lists checks; each check has an
id, a title, a severity, a rationale and a remediation for people, and one `test`
of a known type. A result is pass, fail, not_applicable (the thing checked is not
on this host) or error (the check file is wrong), with a detail that says what was
found. Agencies add their own policies as files; a malformed one is reported, never
fatal to the collector run.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

STATUSES = ("pass", "fail", "not_applicable", "error")
SEVERITIES = ("low", "medium", "high", "critical")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the check."""


@dataclass(frozen=True)
class CheckResult:
    id: str
    policy: str
    title: str
    severity: str
    status: str
    detail: str


@dataclass(frozen=True)
class Context:
    root: Path
    package_names: frozenset[str]


def _files(ctx: Context, pattern: str) -> list[Path]:
    return sorted(p for p in ctx.root.glob(pattern.lstrip("/")) if p.is_file())


def _file_mode(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    path = ctx.root / str(t["path"]).lstrip("/")
    if not path.exists():
        return "not_applicable", f"{t['path']} does not exist"
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    allowed = int(str(t["max_mode"]), 8)
    problems = []
    if mode & ~allowed:
        problems.append(f"mode {mode:04o} is looser than {allowed:04o}")
    if "owner_uid" in t and st.st_uid != int(t["owner_uid"]):
        problems.append(f"owned by uid {st.st_uid}, not {t['owner_uid']}")
    return ("fail", "; ".join(problems)) if problems else ("pass", f"mode {mode:04o}")


def _file_regex(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    files = [f for pattern in _as_list(t["path"]) for f in _files(ctx, pattern)]
    if not files:
        if t.get("missing") == "fail":
            return "fail", f"{t['path']} does not exist"
        return "not_applicable", f"{t['path']} does not exist"
    regex = re.compile(str(t["pattern"]), re.MULTILINE)
    hits = [str(f.relative_to(ctx.root)) for f in files if regex.search(_text(f))]
    want = t.get("expect", "present")
    if want == "present":
        return ("pass", f"found in {hits[0]}") if hits else ("fail", f"not found in {t['path']}")
    return ("fail", f"found in {', '.join(hits)}") if hits else ("pass", "not found")


def _sshd_config(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    main = ctx.root / "etc/ssh/sshd_config"
    if not main.is_file():
        return "not_applicable", "no /etc/ssh/sshd_config (OpenSSH server not installed)"
    option = str(t["option"]).lower()
    # sshd takes the first value it reads; Include'd drop-ins come where they are included,
    # which on Debian and RHEL is the top of the main file.
    sources = [*_files(ctx, "etc/ssh/sshd_config.d/*.conf"), main]
    value = None
    for f in sources:
        for line in _text(f).splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[0].lower() == option:
                value = " ".join(words[1:])
                break
        if value is not None:
            break
    effective = value if value is not None else str(t.get("default", ""))
    allowed = [str(a).lower() for a in _as_list(t["allowed"])]
    where = "set" if value is not None else "default"
    verdict = "pass" if effective.lower() in allowed else "fail"
    return (
        verdict,
        f"{t['option']} {effective or '(unset)'} ({where}); allowed: {', '.join(allowed)}",
    )


def _sysctl(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    path = ctx.root / "proc/sys" / str(t["key"]).replace(".", "/")
    if not path.is_file():
        return "not_applicable", f"{t['key']} does not exist on this kernel"
    value = " ".join(_text(path).split())
    allowed = [str(a) for a in _as_list(t["expect"])]
    return (
        "pass" if value in allowed else "fail"
    ), f"{t['key']} = {value}; expected {' or '.join(allowed)}"


UNIT_DIRS = ("etc/systemd/system", "usr/lib/systemd/system", "lib/systemd/system")


def _service(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    unit = str(t["unit"])
    installed = any((ctx.root / d / unit).exists() for d in UNIT_DIRS)
    enabled = any(ctx.root.glob(f"etc/systemd/system/*.wants/{unit}"))
    want = t.get("expect", "enabled")
    if not installed:
        if want == "disabled":
            return "pass", f"{unit} is not installed"
        return "fail" if t.get("required") else "not_applicable", f"{unit} is not installed"
    state = "enabled" if enabled else "disabled"
    return ("pass" if state == want else "fail"), f"{unit} is {state}"


def _package(ctx: Context, t: dict[str, Any]) -> tuple[str, str]:
    names = _as_list(t["name"])
    present = [n for n in names if n in ctx.package_names]
    want = t.get("expect", "installed")
    if want == "installed":
        return (
            ("pass", f"{present[0]} is installed")
            if present
            else ("fail", f"none of {', '.join(names)} is installed")
        )
    return ("fail", f"{', '.join(present)} installed") if present else ("pass", "not installed")


TESTS: dict[str, Callable[[Context, dict[str, Any]], tuple[str, str]]] = {
    "file_mode": _file_mode,
    "file_regex": _file_regex,
    "sshd_config": _sshd_config,
    "sysctl": _sysctl,
    "service": _service,
    "package": _package,
}


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@dataclass(frozen=True)
class Policy:
    name: str
    families: tuple[str, ...]
    checks: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls, text: str, where: str) -> Policy:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"{where}: not YAML: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("checks"), list):
            raise PolicyError(f"{where}: a policy needs `policy`, `families` and a `checks` list")
        seen: set[str] = set()
        for n, check in enumerate(doc["checks"]):
            at = f"{where}: check {n}"
            if not isinstance(check, dict):
                raise PolicyError(f"{at}: must be a mapping")
            missing = [
                k
                for k in ("id", "title", "severity", "rationale", "remediation", "test")
                if not check.get(k)
            ]
            if missing:
                raise PolicyError(f"{at} ({check.get('id', '?')}): missing {', '.join(missing)}")
            if check["severity"] not in SEVERITIES:
                raise PolicyError(f"{at}: severity must be one of {', '.join(SEVERITIES)}")
            if check["test"].get("type") not in TESTS:
                raise PolicyError(f"{at}: test type must be one of {', '.join(TESTS)}")
            if check["id"] in seen:
                raise PolicyError(f"{at}: id {check['id']} is used twice")
            seen.add(check["id"])
        return cls(
            str(doc.get("policy", where)),
            tuple(_as_list(doc.get("families", []))),
            tuple(doc["checks"]),
        )

    def evaluate(self, ctx: Context) -> list[CheckResult]:
        results = []
        for check in self.checks:
            test = dict(check["test"])
            try:
                status, detail = TESTS[test["type"]](ctx, test)
            except (KeyError, ValueError, re.error) as exc:
                status, detail = "error", f"the check is malformed: {exc!r}"
            results.append(
                CheckResult(
                    check["id"], self.name, check["title"], check["severity"], status, detail
                )
            )
        return results


def builtin_policies() -> list[Policy]:
    folder = resources.files("collectors.endpoint") / "policies"
    return [
        Policy.load(f.read_text(encoding="utf-8"), f"builtin {f.name}")
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".yaml")
    ]


def evaluate(
    family: str, ctx: Context, extra: Iterable[Path] = ()
) -> tuple[list[CheckResult], list[str]]:
    """Results of every policy for this OS family, and the problems with extra policy files."""
    policies = [p for p in builtin_policies() if family in p.families]
    problems: list[str] = []
    for path in extra:
        try:
            policy = Policy.load(path.read_text(encoding="utf-8"), str(path))
        except (OSError, PolicyError) as exc:
            problems.append(str(exc))
            continue
        if not policy.families or family in policy.families:
            policies.append(policy)
    return [r for p in policies for r in p.evaluate(ctx)], problems
