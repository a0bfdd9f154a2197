"""The loop behind `--watch`: the background work a served hub runs beside itself.

Shared by the scorer and the sharing runs so both stop the same way: on SIGTERM, and on
their own when the server that started them is gone. A failed step is reported and tried
again at the next tick rather than ending the loop.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

import click
from prometheus_client import Counter, Gauge, Histogram

from hub.core.errors import HubError
from hub.core.model import utcnow

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


def watch(interval: int, what: str, step: Callable[[], str | None], work: str) -> None:
    """Run `step` every `interval` seconds; it returns a line worth printing, or None."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"{what} every {interval} s", err=True)
    parent = os.getppid()
    while os.getppid() == parent:
        now = utcnow()
        started = time.perf_counter()
        try:
            said = step()
            if said:
                click.echo(f"{now.isoformat()} {said}", err=True)
            RUNS.labels(work, "done").inc()
        except HubError as exc:
            click.echo(f"{now.isoformat()} {what} failed, retrying: {exc}", err=True)
            RUNS.labels(work, "failed").inc()
        RUN_SECONDS.labels(work).observe(time.perf_counter() - started)
        LAST_RUN.labels(work).set(time.time())
        time.sleep(interval)
