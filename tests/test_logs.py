"""One log line per request and per background run: JSON by default (`log_format`), plain
text when asked; request id, route, status, duration and who asked, never a token."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from flask.testing import FlaskClient

from hub.core.logs import JsonLines, TextLines, configure
from tests.conftest import World


def test_a_request_is_one_line_naming_who_asked_but_never_their_token(
    client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crsa.request")
    answer = client.get(
        "/api/v1/systems/nope", headers={**world.auth("agency_a"), "X-Request-ID": "ticket-7"}
    )
    assert answer.status_code == 404
    (record,) = [r for r in caplog.records if r.name == "crsa.request"]
    line = json.loads(JsonLines().format(record))
    assert line["request_id"] == "ticket-7" == answer.headers["X-Request-ID"]
    assert (line["route"], line["path"], line["status"]) == (
        "/api/v1/systems/<system_id>",
        "/api/v1/systems/nope",
        404,
    )
    assert (line["org_id"], line["role"]) == (world.agency_a, "agency_submitter")
    assert line["level"] == "INFO" and line["duration_ms"] >= 0 and line["time"]
    text = TextLines().format(record)
    for secret in world.tokens.values():
        assert secret not in json.dumps(line) and secret not in text
    assert "request_id=ticket-7" in text and "status=404" in text


def test_the_served_hub_writes_its_lines_in_the_chosen_format() -> None:
    """What `crsa serve` and each background run call with `log_format` (the served hub's
    JSON lines are read in tests/test_metrics.py)."""
    try:
        configure("text")
        for name, stream in (("crsa", sys.stderr), ("crsa.request", sys.stdout)):
            (handler,) = logging.getLogger(name).handlers
            assert isinstance(handler, logging.StreamHandler) and handler.stream is stream
            assert isinstance(handler.formatter, TextLines)
        configure("json")
        (handler,) = logging.getLogger("crsa").handlers  # replaced, not added to
        assert isinstance(handler.formatter, JsonLines)
    finally:
        for name in ("crsa", "crsa.request"):
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
