"""`crsa org`: organizations."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.model import OrgKind


def register(main: click.Group) -> None:
    main.add_command(org)


@click.group()
def org() -> None:
    """Agencies, partners and the operator."""


@org.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True)
@pass_env
def add(env: Env, name: str, kind: str) -> None:
    """Create an organization and print its id (the same name again prints the same id)."""
    out = env.registry.add_organization(env.who(), name, OrgKind(kind), env.request_id())
    click.echo(out.value.id)
    if not out.changed:
        click.echo(f"(already existed: {out.value.name})", err=True)


@org.command("list")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]))
@pass_env
def list_(env: Env, kind: str | None) -> None:
    """List organizations: id, kind, name."""
    after = None
    while True:
        page = env.store.list_organizations(
            kind=OrgKind(kind) if kind else None, after=after, limit=500
        )
        for o in page:
            click.echo(f"{o.id}\t{o.kind.value}\t{o.name}")
        if len(page) < 500:
            break
        after = page[-1].id
