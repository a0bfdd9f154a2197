"""Secrets out of command lines before anything leaves the host.

A process list is telemetry the hub shows to analysts, auditors and admins; a command
line is also where people put passwords, API keys and, before this, the collector's own
`--token`. Each rule below keeps the name of what was hidden (`--password=***`), so an
analyst still sees that a secret was passed and how, never the secret itself. The hub runs
the same scrub on what it receives, for collectors older than this one.
"""

from __future__ import annotations

import re

HIDDEN = "***"
_SECRET_WORDS = r"(?:token|passw(?:or)?d|passwd|pwd|secret|api[-_.]?key|credentials?|auth)"  # noqa: S105 - names, not a secret
# A flag that names where a secret is kept (--token-file) carries a path, not the secret.
_NOT_A_PATH = r"(?![\w.-]*(?:file|path|dir)\b)"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # --token X, --token=X, -password X, --db-password=X, --api-key X
    (
        re.compile(rf"(?i)(?<!\S)(--?[\w.-]*{_SECRET_WORDS}{_NOT_A_PATH}[\w.-]*)(=|\s+)(?!-)(\S+)"),
        rf"\1\2{HIDDEN}",
    ),
    # Authorization: Bearer X / Basic X (curl -H, wget --header)
    (
        re.compile(r"(?i)(authorization\s*:\s*)(?:(bearer|basic|token|digest)\s+)?([^\s'\"]+)"),
        rf"\1\2 {HIDDEN}",
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):([^/\s@]+)@"), rf"\1:{HIDDEN}@"),
    # PASSWORD=X, GITHUB_TOKEN=X (environment assignments on the command line)
    (
        re.compile(rf"(?i)\b([A-Z0-9_]*{_SECRET_WORDS}[A-Z0-9_]*)=(?!{re.escape(HIDDEN)})(\S+)"),
        rf"\1={HIDDEN}",
    ),
    # The hub's own tokens, wherever they stand
    (re.compile(r"crsa_[A-Za-z0-9_-]{16,}"), f"crsa_{HIDDEN}"),
)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def scrub(text: str) -> str:
    """`text` with every secret-looking value replaced by ***, and control characters
    (which a command line may hold, and no reader should be shown) by spaces."""
    text = _CONTROL.sub(" ", text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text.replace(f"  {HIDDEN}", f" {HIDDEN}")
