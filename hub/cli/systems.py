"""`crsa system`: systems inside agencies."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.model import Criticality


def register(main: click.Group) -> None:
    main.add_command(system)


@click.group()
def system() -> None:
    """Systems inside an agency."""


@system.command("add")
@click.option("--org", "org_id", required=True, help="The agency's id.")
@click.argument("name")
@click.option(
    "--criticality",
    type=click.Choice([c.value for c in Criticality]),
    default="moderate",
    show_default=True,
)
@click.option("--internet-facing/--internal", default=False, show_default=True)
@click.option("--description", default="")
@pass_env
def add(
    env: Env, org_id: str, name: str, criticality: str, internet_facing: bool, description: str
) -> None:
    """Create a system and print its id."""
    out = env.registry.add_system(
        env.who(),
        org_id,
        name,
        Criticality(criticality),
        internet_facing,
        description,
        env.request_id(),
    )
    click.echo(out.value.id)
    if not out.changed:
        click.echo(f"(already existed: {out.value.name})", err=True)


@system.command("list")
@click.option("--org", "org_id", help="Only this agency's systems.")
@pass_env
def list_(env: Env, org_id: str | None) -> None:
    """List systems: id, criticality, internet-facing, name."""
    after = None
    while True:
        page = env.store.list_systems(org_id=org_id, after=after, limit=500)
        for s in page:
            exposure = "internet" if s.internet_facing else "internal"
            click.echo(f"{s.id}\t{s.criticality.value}\t{exposure}\t{s.name}")
        if len(page) < 500:
            break
        after = page[-1].id
