"""Serving the app with gunicorn: a production WSGI server, several workers, threads each.

The app is built inside each worker (no preload), so every worker opens its
own store connections after the fork and no state is shared between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from hub.core.settings import Settings, as_environment


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
            "accesslog": "-",
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

        return create_app(self.settings)


def serve(settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
    """Serve until stopped, with the background work beside the server, each in its own
    process with the server's settings: continuous scoring (`crsa score --watch`) every
    `score_interval` seconds, sharing runs (`crsa sharing run --watch`) every
    `sharing_interval` seconds and the playbooks (`crsa playbooks run --watch`) every
    `playbook_interval` seconds; an interval of 0 turns its work off."""
    watchers = []
    for interval, command in (
        (settings.score_interval, ["score"]),
        (settings.sharing_interval, ["sharing", "run"]),
        (settings.playbook_interval, ["playbooks", "run"]),
    ):
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
