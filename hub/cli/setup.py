"""`crsa init`: create a data directory with a settings file and a migrated store."""

from __future__ import annotations

import click

from collectors.files import private_dir, private_file, write_private
from hub.cli import Env, pass_env
from hub.core.settings import default_config_text
from hub.core.store import open_store


def register(main: click.Group) -> None:
    main.add_command(init)


@click.command()
@pass_env
def init(env: Env) -> None:
    """Create (or upgrade) the hub's data directory. Safe to run again."""
    settings = env.settings
    private_dir(settings.home)
    if not settings.config_path.exists():
        write_private(settings.config_path, default_config_text().encode())
    private_file(settings.config_path)
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
