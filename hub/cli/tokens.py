"""`crsa token`: API credentials."""

from __future__ import annotations

from datetime import datetime

import click

from hub.cli import Env, pass_env
from hub.core.model import Role, utcnow
from hub.core.registry import IssuedToken, TokenLifetime


def register(main: click.Group) -> None:
    main.add_command(token)


@click.group()
def token() -> None:
    """API tokens (stored hashed; the secret is shown once)."""


DAYS = click.option(
    "--days", type=int, default=None, help="How long it holds (default: the token_days setting)."
)


@token.command("add")
@click.option("--org", "org_id", required=True, help="The organization the token acts for.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="What uses it, e.g. a collector or a partner's client.")
@DAYS
@pass_env
def add(env: Env, org_id: str, role: str, name: str, days: int | None) -> None:
    """Issue a token for a machine and print it once (people sign in through the
    identity provider)."""
    lifetime = TokenLifetime.of(env.settings, days)
    issued = env.registry.issue_token(
        env.who(), org_id, Role(role), name, env.request_id(), lifetime
    )
    _show(issued, "issued")


@token.command("rotate")
@click.argument("token_id")
@DAYS
@pass_env
def rotate(env: Env, token_id: str, days: int | None) -> None:
    """Replace a token: its successor (same organization, role and name) is printed
    once, and the old one stops working now."""
    lifetime = TokenLifetime.of(env.settings, days)
    issued = env.registry.rotate_token(env.who(), token_id, env.request_id(), lifetime)
    _show(issued, f"replaces {token_id}, which is revoked;")


def _show(issued: IssuedToken, what: str) -> None:
    click.echo(issued.secret)
    expires = issued.token.expires_at.date().isoformat() if issued.token.expires_at else "never"
    click.echo(
        f"token {issued.token.id} ({issued.token.role.value}) {what} expires {expires};"
        " store the secret now, it is not shown again",
        err=True,
    )


def _day(at: datetime | None, none: str) -> str:
    return at.isoformat(timespec="minutes") if at else none


@token.command("list")
@pass_env
def list_(env: Env) -> None:
    """List tokens: id, role, organization, state, expiry, last use, name."""
    now = utcnow()
    for t in env.store.list_tokens():
        state = "revoked" if not t.active else "expired" if t.expired(now) else "active"
        expires, used = _day(t.expires_at, "never"), _day(t.last_used_at, "unused")
        click.echo(f"{t.id}\t{t.role.value}\t{t.org_id}\t{state}\t{expires}\t{used}\t{t.name}")


@token.command("revoke")
@click.argument("token_id")
@pass_env
def revoke(env: Env, token_id: str) -> None:
    """Revoke a token; requests with it fail from now on."""
    out = env.registry.revoke_token(env.who(), token_id, env.request_id())
    click.echo(f"token {token_id} {'revoked' if out.changed else 'was already revoked'}")
