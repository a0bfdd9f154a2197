"""`crsa serve`: run the hub under gunicorn."""

from __future__ import annotations

import uuid

import click

from hub.cli import Env, pass_env
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.web.server import serve as run_server
from sbom.desk import SbomDesk


def register(main: click.Group) -> None:
    main.add_command(serve)


@click.command()
@click.option("--host", help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, help="Port (default from settings: 8050).")
@click.option("--workers", type=int, help="Worker processes (default from settings: 2).")
@pass_env
def serve(env: Env, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API, TAXII and the dashboards, with scoring, sharing and playbooks beside."""
    settings = load_settings(home=env.settings.home, host=host, port=port, workers=workers)
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
    click.echo(f"crsa-hub serving on http://{settings.host}:{settings.port}/ (Ctrl+C stops)")
    run_server(settings)
