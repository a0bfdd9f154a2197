"""`crsa init`: create a data directory with a settings file and a migrated store."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.settings import default_config_text
from hub.store import open_store


def register(main: click.Group) -> None:
    main.add_command(init)


@click.command()
@pass_env
def init(env: Env) -> None:
    """Create (or upgrade) the hub's data directory. Safe to run again."""
    settings = env.settings
    settings.home.mkdir(parents=True, exist_ok=True)
    if not settings.config_path.exists():
        settings.config_path.write_text(default_config_text(), encoding="utf-8")
    store = open_store(settings, must_exist=False)
    done: dict[str, int] = {}

    def progress(what: str, n: int) -> None:
        done[what] = done.get(what, 0) + n
        click.echo(f"  {what}: {done[what]:,}", err=True)

    try:
        before = store.schema_version()
        version = store.migrate(progress)
    finally:
        store.close()
    state = "created" if before == 0 else ("upgraded" if version != before else "up to date")
    click.echo(f"hub at {settings.home} {state} (schema version {version}, store {settings.store})")
    if before == 0:
        click.echo("next: crsa org add NAME --kind operator, then crsa token add --role admin")
