"""Serving the app with gunicorn: a production WSGI server, several workers, threads each.

The app is built inside each worker (no preload), so every worker opens its
own store connections after the fork and no state is shared between them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from hub.core import logs
from hub.core.errors import ConfigError
from hub.core.settings import Settings, as_environment
from hub.web.metrics import share_between_processes

# The work that runs beside the server, each a `crsa` command in a process of its own:
# (what people call it, its setting, the command, what it does that they should know).
BACKGROUND: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("scoring", "score_interval", ("score",), "incremental risk scores"),
    ("sharing", "sharing_interval", ("sharing", "run"), "partner TAXII feeds in, publication out"),
    ("playbooks", "playbook_interval", ("playbooks", "run"), "may send webhooks and e-mail"),
)


class HubServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.on_ready = on_ready
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options: dict[str, Any] = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.workers,
            "threads": s.threads,
            "worker_class": "gthread",
            # The hub logs each request itself (hub.core.logs: request id, who, route).
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "timeout": 60,
            "graceful_timeout": 10,
            "preload_app": False,
        }
        if self.on_ready is not None:
            ready = self.on_ready
            options["when_ready"] = lambda _server: ready()
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn >= 24 opens a control socket at one fixed path per user; several hubs
            # on one machine (tests, a demo beside a real hub) must not fight over it.
            options["control_socket_disable"] = True
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from hub.web.app import create_app

        logs.configure(self.settings.log_format)
        return create_app(self.settings)


def check_port(settings: Settings) -> None:
    """Refuse a port another program holds before anything starts, in words: gunicorn
    would say it with a traceback after the hub had announced itself."""
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            raise ConfigError(
                f"cannot serve on {settings.host}:{settings.port}: {exc.strerror}"
                " (another hub or program may be using the port)",
                hint="choose another port: --port N, CRSA_PORT=N, or make demo PORT=N",
            ) from None


def plan(settings: Settings) -> list[str]:
    """What `serve` will run, in lines for the person who started it."""
    lines = [
        f"serving on http://{settings.host}:{settings.port}/ (dashboards at /ui/, API at"
        f" /api/v1/, TAXII at /taxii2/) with gunicorn: {settings.workers} worker processes,"
        f" {settings.threads} threads each; Ctrl+C stops"
    ]
    for name, setting, command, what in BACKGROUND:
        interval = getattr(settings, setting)
        switch = f"--no-{name} or CRSA_{setting.upper()}=0"
        lines.append(
            f"  {name}: every {interval} s (crsa {' '.join(command)}: {what}); off: {switch}"
            if interval
            else f"  {name}: off (on: CRSA_{setting.upper()}=SECONDS)"
        )
    return lines


def serve(settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
    """Serve until stopped, with the background work beside the server (`BACKGROUND`),
    each in its own process with the server's settings (`crsa score --watch` every
    `score_interval` seconds, and so on); an interval of 0 turns its work off."""
    # Before any worker or background run starts: they all count into one directory.
    share_between_processes(settings.home / "metrics")
    watchers = []
    for _, setting, command, _ in BACKGROUND:
        interval = getattr(settings, setting)
        if interval:
            argv = [sys.executable, "-m", "hub.cli", "--home", str(settings.home), *command]
            argv += ["--watch", "-i", str(interval)]
            env = {**os.environ, **as_environment(settings)}
            watchers.append(subprocess.Popen(argv, env=env))
    try:
        HubServer(settings, on_ready).run()
    finally:
        for watcher in watchers:
            watcher.terminate()
        for watcher in watchers:
            watcher.wait(timeout=30)
