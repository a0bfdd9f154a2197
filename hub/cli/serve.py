"""`crsa serve`: run the hub under gunicorn, with its background work beside it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import click
import requests

from hub.cli import Env, pass_env
from hub.core.settings import Settings, load_settings
from hub.core.store import open_store
from hub.web.server import BACKGROUND, check_port, plan
from hub.web.server import serve as run_server
from sbom.desk import SbomDesk

F = TypeVar("F", bound=Callable[..., Any])


def register(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(health)


def start(settings: Settings) -> None:
    """Check the port, say what will run and how often, and serve until stopped: shared by
    `crsa serve` and `crsa demo`, so that both say the same."""
    check_port(settings)
    for line in plan(settings):
        click.echo(line, err=True)
    run_server(settings)


def _switch(name: str) -> Callable[[F], F]:
    """--scoring/--no-scoring and the like, for one kind of background work."""
    _, setting, _, what = next(b for b in BACKGROUND if b[0] == name)
    return click.option(
        f"--{name}/--no-{name}",
        default=None,
        help=f"Run {name} ({what}) every {setting} seconds, or not (default: on unless"
        f" {setting} is 0).",
    )


@click.command()
@click.option("--host", help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, help="Port (default from settings: 8050).")
@click.option("--workers", type=int, help="Worker processes (default from settings: 2).")
@_switch("scoring")
@_switch("sharing")
@_switch("playbooks")
@pass_env
def serve(
    env: Env,
    host: str | None,
    port: int | None,
    workers: int | None,
    scoring: bool | None,
    sharing: bool | None,
    playbooks: bool | None,
) -> None:
    """Serve the API, TAXII and the dashboards (gunicorn), with scoring, sharing runs and
    playbooks beside them, each every so many seconds; what runs is printed at start."""
    switches = {"scoring": scoring, "sharing": sharing, "playbooks": playbooks}
    overrides: dict[str, Any] = {"host": host, "port": port, "workers": workers}
    overrides |= {setting: 0 for name, setting, _, _ in BACKGROUND if switches[name] is False}
    settings = load_settings(home=env.settings.home, **overrides)
    for name, setting, _, _ in BACKGROUND:
        if switches.get(name) and not getattr(settings, setting):
            raise click.UsageError(
                f"--{name} needs an interval: set {setting} in crsa.toml or"
                f" CRSA_{setting.upper()}=SECONDS"
            )
    store = open_store(settings)  # fail here, clearly, rather than in every worker
    try:
        # Submissions a killed hub stored but never matched are finished before serving.
        finished = SbomDesk(store, settings).finish_pending(f"serve-{uuid.uuid4().hex[:12]}")
    finally:
        store.close()
    if finished.sboms:
        click.echo(
            f"finished {finished.sboms} SBOM submission(s) cut short: "
            f"{finished.opened} findings opened",
            err=True,
        )
    start(settings)


@click.command()
@click.option("--url", help="The hub's address (default: http://HOST:PORT from settings).")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    help="Seconds to keep trying while the hub starts (0: ask once).",
)
@pass_env
def health(env: Env, url: str | None, wait: float) -> None:
    """Ask a served hub whether it is up (GET /healthz), waiting up to --wait seconds: what
    a script runs after `crsa serve &` before its first request."""
    base = (url or f"http://{env.settings.host}:{env.settings.port}").rstrip("/")
    deadline = time.monotonic() + wait
    why = ""
    while True:
        try:
            answer = requests.get(f"{base}/healthz", timeout=5)
            answer.raise_for_status()
            got = answer.json()
            click.echo(
                f"{base}/ is up: crsa-hub {got['version']} on {got['store']}"
                f" (schema {got['schema_version']})"
            )
            return
        except requests.HTTPError as exc:
            why = f"it answered {exc.response.status_code}"
        except requests.ConnectionError:
            why = "nothing answers there"
        except (requests.RequestException, ValueError, KeyError) as exc:
            why = str(exc)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    raise click.ClickException(
        f"no healthy hub at {base}/ ({why})"
        + ("" if wait else "; to wait while it starts: crsa health --wait 30")
    )
