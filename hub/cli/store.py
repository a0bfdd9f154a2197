"""`crsa store`: moving a hub between store backends."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from hub.cli import Env, pass_env
from hub.core.settings import STORES, Settings
from hub.core.store import open_store
from hub.core.store.backup import back_up, restore, verify_backup
from hub.core.store.migrate import migrate_store


def _aimed(settings: Settings, es_url: str | None, es_prefix: str | None, **more: str) -> Settings:
    """The settings with the target the command line names (`--es-url`,
    `--es-index-prefix`) in place of the configured ones."""
    given = {"es_url": es_url, "es_index_prefix": es_prefix, **more}
    return dataclasses.replace(settings, **{k: v for k, v in given.items() if v})  # type: ignore[arg-type]


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
    target_settings = _aimed(source_settings, es_url, es_index_prefix, store=to)
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


def _say(message: str) -> None:
    click.echo(f"  {message}", err=True)


@store.command("backup")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="A new folder for the backup (for Elasticsearch, under the nodes' path.repo).",
)
@pass_env
def backup(env: Env, out: Path) -> None:
    """Back the hub up while it serves: the store's consistent copy, the keys and
    settings, and a manifest that `verify-backup` and `restore` check.

    The backup holds the keys that seal the hub's secrets: keep it as safe as the hub.
    """
    manifest = back_up(
        env.settings,
        env.store,
        out,
        actor=env.who().actor,
        request_id=env.request_id(),
        progress=_say,
    )
    state = manifest.state
    click.echo(
        f"backed up {manifest.store} (schema {state.schema_version}) into {out}:"
        f" {len(manifest.files)} files, audit head {state.head_seq}"
        f" ({state.head_hash[:16]}), {state.counts.get('assets', 0)} assets,"
        f" {state.counts.get('findings', 0)} findings"
    )
    click.echo(f"next: `crsa store verify-backup {out}`, then copy it off this machine")


@store.command("verify-backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@pass_env
def verify(env: Env, folder: Path) -> None:
    """Check a backup without restoring it: every file's SHA-256, the schema, and for
    SQLite the audit chain and the counts of the copy itself."""
    manifest = verify_backup(folder, env.settings, progress=_say)
    click.echo(
        f"{folder} is a whole {manifest.store} backup of {manifest.created_at}:"
        f" {len(manifest.files)} files as recorded, schema {manifest.state.schema_version},"
        f" audit head {manifest.state.head_seq}"
    )


@store.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the target holds.")
@click.option("--es-url", help="Target cluster (default: es_url from settings).")
@click.option("--es-index-prefix", help="Target index prefix (default from settings).")
@pass_env
def restore_cmd(
    env: Env, folder: Path, force: bool, es_url: str | None, es_index_prefix: str | None
) -> None:
    """Restore a backup into an empty data directory (or index prefix), then check its
    audit chain and counts against the manifest. Stop the hub first."""
    target = _aimed(env.settings, es_url, es_index_prefix)
    manifest = restore(
        folder,
        target,
        force=force,
        actor=env.who().actor,
        request_id=env.request_id(),
        progress=_say,
    )
    click.echo(
        f"restored {manifest.store} from {folder}: audit chain verified to entry"
        f" {manifest.state.head_seq}, counts as recorded"
    )
    click.echo(f"next: check {target.config_path}, then start the hub (`crsa serve`)")
