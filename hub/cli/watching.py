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

from hub.core.errors import HubError
from hub.core.model import utcnow


def watch(interval: int, what: str, step: Callable[[], str | None]) -> None:
    """Run `step` every `interval` seconds; it returns a line worth printing, or None."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"{what} every {interval} s", err=True)
    parent = os.getppid()
    while os.getppid() == parent:
        now = utcnow()
        try:
            said = step()
            if said:
                click.echo(f"{now.isoformat()} {said}", err=True)
        except HubError as exc:
            click.echo(f"{now.isoformat()} {what} failed, retrying: {exc}", err=True)
        time.sleep(interval)
