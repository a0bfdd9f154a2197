"""`crsa store`: moving a hub between store backends."""

from __future__ import annotations

import dataclasses

import click

from hub.cli import Env, pass_env
from hub.core.settings import STORES
from hub.core.store import open_store
from hub.core.store.migrate import migrate_store


def register(main: click.Group) -> None:
    main.add_command(store)


@click.group()
def store() -> None:
    """The hub's store backend."""


@store.command("migrate")
@click.option("--to", "to", type=click.Choice(STORES), required=True, help="Target backend.")
@click.option("--es-url", help="Target cluster (default: es_url from settings).")
@click.option("--es-index-prefix", help="Target index prefix (default from settings).")
@pass_env
def migrate(env: Env, to: str, es_url: str | None, es_index_prefix: str | None) -> None:
    """Copy this hub into another backend, audit chain included. Safe to re-run.

    Stop writers first (or re-run afterwards to catch up). When it succeeds,
    set `store` in crsa.toml (or CRSA_STORE) to the target and restart the hub.
    """
    source_settings = env.settings
    if to == source_settings.store:
        raise click.UsageError(f"the hub already uses {to}")
    overrides = {"store": to}
    if es_url:
        overrides["es_url"] = es_url
    if es_index_prefix:
        overrides["es_index_prefix"] = es_index_prefix
    target_settings = dataclasses.replace(source_settings, **overrides)  # type: ignore[arg-type]
    target = open_store(target_settings, must_exist=False)
    counts: dict[str, int] = {}

    def progress(what: str, n: int) -> None:
        if counts and what not in counts:
            click.echo(err=True)  # the previous kind is done: keep its line
        counts[what] = counts.get(what, 0) + n
        click.echo(f"\r  copied {counts[what]:>8} {what}", err=True, nl=False)

    try:
        result = migrate_store(
            env.store, target, actor=env.who().actor, request_id=env.request_id(), progress=progress
        )
    finally:
        target.close()
    c = result.copied
    click.echo(
        f"\nmigrated to {to}: {c.organizations} organizations, {c.systems} systems,"
        f" {c.assets} assets, {c.packages} packages, {c.tokens} tokens,"
        f" {result.audit_copied} new audit entries; chain verified, head {result.head}"
    )
    click.echo(
        f'next: set store = "{to}" in {source_settings.config_path}'
        f" (or CRSA_STORE={to}) and restart the hub"
    )
