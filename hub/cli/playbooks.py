"""`crsa playbooks validate|list|run`: check playbook files, see what is loaded, run the
engine once (or every --interval seconds, what a served hub does), or see what a run
would do without doing it (--dry-run)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli import Env, pass_env
from hub.cli.watching import watch
from playbooks.definition import files, load_all
from playbooks.engine import Engine, configured


def register(main: click.Group) -> None:
    main.add_command(playbooks)


@click.group()
def playbooks() -> None:
    """Event-driven response playbooks (docs/playbooks.md)."""


def _places(env: Env, paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or configured(env.settings)


@playbooks.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@pass_env
def validate(env: Env, paths: tuple[Path, ...]) -> None:
    """Check playbook files (default: the built-in ones and playbooks_dir) against the
    schema and their triggers' fields; each problem as FILE:LINE: reason."""
    places = _places(env, paths)
    good, bad = load_all(places)
    for book in good:
        click.echo(f"ok\t{book.path}\t{book.name}")
    for error in bad:
        click.echo(f"invalid\t{error.message}", err=True)
    if not good and not bad:
        raise click.ClickException(
            f"no playbook files (*.yaml) in {', '.join(map(str, places)) or 'any place'}"
        )
    if bad:
        raise click.ClickException(
            f"{len(bad)} of {len(files(places))} playbooks are invalid; fix the lines above"
        )


@playbooks.command("list")
@pass_env
def list_command(env: Env) -> None:
    """The playbooks this hub runs, and the ones it refuses (with why)."""
    good, bad = load_all(configured(env.settings))
    click.echo("name\ttrigger\tactions\tenabled\tfile")
    for b in good:
        steps = ",".join(s.kind for s in b.steps)
        click.echo(f"{b.name}\t{b.trigger}\t{steps}\t{'yes' if b.enabled else 'no'}\t{b.path}")
    for error in bad:
        click.echo(f"refused\t{error.message}", err=True)


@playbooks.command("run")
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--watch", "watching", is_flag=True, help="Keep running every --interval seconds.")
@click.option("--interval", "-i", type=click.IntRange(1), default=60, show_default=True)
@pass_env
def run_command(env: Env, dry_run: bool, watching: bool, interval: int) -> None:
    """Queue what the playbooks listen to and act on every pending event. Invalid
    playbooks are reported and skipped; the others run."""
    engine, refused = Engine.configured(env.store, env.settings)
    for error in refused:
        click.echo(f"refused playbook {error.message}", err=True)
    if watching:
        watch(
            interval,
            "playbooks",
            lambda: engine.run_once(env.request_id()).summary(),
            "playbooks",
            env.settings.log_format,
        )
        return
    with click.progressbar(length=0, label="events", file=sys.stderr) as bar:

        def progress(n: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        run = engine.run_once(env.request_id(), dry_run=dry_run, progress=progress)
    if dry_run:
        for p in run.planned:
            click.echo(f"would\t{p.playbook}\t{p.action}\t{p.what}\tevent {p.event}")
        click.echo(f"dry run: {run.queued} new events, {len(run.planned)} actions would be done")
        return
    for line in run.failed:
        click.echo(f"failed: {line}", err=True)
    click.echo(run.summary())
    if run.failed:
        click.echo("failed actions are retried on the next run", err=True)
