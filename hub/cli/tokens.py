"""`crsa token`: API credentials."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.model import Role


def register(main: click.Group) -> None:
    main.add_command(token)


@click.group()
def token() -> None:
    """API tokens (stored hashed; the secret is shown once)."""


@token.command("add")
@click.option("--org", "org_id", required=True, help="The organization the token acts for.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Who or what uses it, e.g. a person or a collector.")
@pass_env
def add(env: Env, org_id: str, role: str, name: str) -> None:
    """Issue a token and print it once."""
    issued = env.registry.issue_token(env.who(), org_id, Role(role), name, env.request_id())
    click.echo(issued.secret)
    click.echo(
        f"token {issued.token.id} ({issued.token.role.value}) issued; store the secret now,"
        " it is not shown again",
        err=True,
    )


@token.command("list")
@pass_env
def list_(env: Env) -> None:
    """List tokens: id, role, organization, state, name."""
    for t in env.store.list_tokens():
        state = "active" if t.active else "revoked"
        click.echo(f"{t.id}\t{t.role.value}\t{t.org_id}\t{state}\t{t.name}")


@token.command("revoke")
@click.argument("token_id")
@pass_env
def revoke(env: Env, token_id: str) -> None:
    """Revoke a token; requests with it fail from now on."""
    out = env.registry.revoke_token(env.who(), token_id, env.request_id())
    click.echo(f"token {token_id} {'revoked' if out.changed else 'was already revoked'}")
