"""The hub's own log lines: one per request and one per background run, as JSON that log
pipelines index without parsing rules (or as plain text, `log_format = "text"`).

A line carries the time, level, request id, route, status, duration and who asked (their
organization and role), never a credential: requests are logged from what the hub decided
about them, not from their headers or bodies.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("json", "text")
FIELDS = "crsa"  # the `extra` key a line's own fields travel under
REQUESTS = "crsa.request"  # the logger of request lines


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, FIELDS, {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, FIELDS, {}).items())
        text = f"{at} {record.levelname} {record.name}: {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def formatter(log_format: str) -> logging.Formatter:
    return JsonLines() if log_format == "json" else TextLines()


def configure(log_format: str) -> None:
    """The `crsa` loggers write in `log_format`: request lines to stdout, where an access
    log goes, everything else (background runs, errors) to stderr. Called once per
    process that serves or runs in the background (each gunicorn worker, each `--watch`
    loop)."""
    for name, stream in (("crsa", sys.stderr), (REQUESTS, sys.stdout)):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter(log_format))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def fields(**values: object) -> dict[str, dict[str, object]]:
    """`extra=` for a line with these fields."""
    return {FIELDS: {k: v for k, v in values.items() if v is not None}}
