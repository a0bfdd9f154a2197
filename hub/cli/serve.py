"""`crsa serve`: run the hub under gunicorn."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.server import serve as run_server
from hub.settings import load_settings
from hub.store import open_store


def register(main: click.Group) -> None:
    main.add_command(serve)


@click.command()
@click.option("--host", help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, help="Port (default from settings: 8050).")
@click.option("--workers", type=int, help="Worker processes (default from settings: 2).")
@pass_env
def serve(env: Env, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API (and later TAXII and dashboards) with a production WSGI server."""
    settings = load_settings(home=env.settings.home, host=host, port=port, workers=workers)
    open_store(settings).close()  # fail here, clearly, rather than in every worker
    click.echo(f"crsa-hub serving on http://{settings.host}:{settings.port}/ (Ctrl+C stops)")
    run_server(settings)
