"""The loop behind `--watch`: the background work a served hub runs beside itself.

Shared by the scorer and the sharing runs so both stop the same way: on SIGTERM, and on
their own when the server that started them is gone. A failed step is reported and tried
again at the next tick rather than ending the loop.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

from hub.core import logs
from hub.core.errors import HubError

log = logging.getLogger("crsa.background")
# Each run of the work beside the server, as `GET /metrics` reports it: under `crsa serve`
# these processes write to the served hub's metrics directory (hub.web.metrics).
RUNS = Counter("crsa_background_runs", "Runs of the work beside the server", ["work", "result"])
RUN_SECONDS = Histogram(
    "crsa_background_run_seconds",
    "How long each run took",
    ["work"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
LAST_RUN = Gauge(
    "crsa_background_last_run_timestamp_seconds",
    "When each work last finished a run (Unix time)",
    ["work"],
    multiprocess_mode="max",
)


def watch(
    interval: int, what: str, step: Callable[[], str | None], work: str, log_format: str
) -> None:
    """Run `step` every `interval` seconds; it returns what it did worth saying, or None.
    Each run is one log line (hub.core.logs) and counts in the metrics."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logs.configure(log_format)
    log.info("%s every %s s", what, interval, extra=logs.fields(work=work, interval=interval))
    parent = os.getppid()
    while os.getppid() == parent:
        started = time.perf_counter()
        try:
            said = step()
            result, level = "done", logging.INFO
        except HubError as exc:
            said, result, level = f"failed, retrying: {exc}", "failed", logging.WARNING
        took = time.perf_counter() - started
        log.log(
            level,
            "%s: %s",
            work,
            said or "nothing to do",
            extra=logs.fields(work=work, result=result, duration_ms=round(took * 1000, 1)),
        )
        RUNS.labels(work, result).inc()
        RUN_SECONDS.labels(work).observe(took)
        LAST_RUN.labels(work).set(time.time())
        time.sleep(interval)
