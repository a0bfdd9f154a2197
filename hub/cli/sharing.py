"""`crsa sharing run`: partner feeds in, indicators matched, the hub's objects published,
collections pushed out; once, or every --interval seconds (what a served hub runs)."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.cli.watching import watch
from hub.core.model import utcnow
from hub.core.vault import Vault
from hub.sharing.cycle import SharingRun, run_sharing
from hub.sharing.identities import SharingPolicy


def register(main: click.Group) -> None:
    main.add_command(sharing)


@click.group()
def sharing() -> None:
    """Threat sharing runs."""


def _summary(run: SharingRun) -> str:
    m = run.matched
    matched = f"{m.sightings} sightings ({m.new} new, {m.ended} ended)" if m else "no matching"
    published = run.published.success_count if run.published else 0
    return (
        f"{len(run.synced)} feeds synced ({sum(r.kept for r in run.synced)} objects kept),"
        f" {matched}, {published} objects published, {len(run.pushed)} pushes,"
        f" {len(run.failed)} failed"
    )


@sharing.command("run")
@click.option("--watch", "watching", is_flag=True, help="Keep running every --interval seconds.")
@click.option("--interval", "-i", type=click.IntRange(1), default=300, show_default=True)
@pass_env
def run_command(env: Env, watching: bool, interval: int) -> None:
    """Sync every partner feed, match their indicators, publish into `share_collection` (a
    setting) and push to partners. Failed partners are reported and the rest goes on."""
    policy = SharingPolicy.of(env.settings)

    def step(say: bool) -> str:
        run = run_sharing(
            env.store,
            utcnow(),
            env.request_id(),
            share_collection=env.settings.share_collection,
            policy=policy,
            vault=Vault.of(env.settings.home),
            say=(lambda line: click.echo(line, err=True)) if say else (lambda _: None),
        )
        return _summary(run)

    if watching:
        watch(
            interval,
            "sharing (feeds in, matching, publishing, pushes)",
            lambda: step(False),
            "sharing",
            env.settings.log_format,
        )
        return
    click.echo(step(True))
    if not env.settings.share_collection:
        click.echo(
            "nothing is published on its own: set share_collection to a collection id"
            " (crsa taxii collection list)",
            err=True,
        )
