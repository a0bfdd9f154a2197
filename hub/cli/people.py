"""`crsa idp` and `crsa person`: who signs in through the identity provider, as what."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.model import Role
from hub.people import People


def register(main: click.Group) -> None:
    main.add_command(idp)
    main.add_command(person)


@click.group()
def idp() -> None:
    """Map the identity provider's groups to organizations and roles."""


@idp.command("map")
@click.argument("group")
@click.option("--org", "org_id", required=True, help="The organization its members act for.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@pass_env
def map_(env: Env, group: str, org_id: str, role: str) -> None:
    """Members of GROUP (a value of the oidc_groups_claim claim) sign in as ROLE of ORG."""
    made = People(env.store).map_group(env.who(), group, org_id, Role(role), env.request_id())
    click.echo(f"group {made.claim_value!r}: {made.role.value} of {made.org_id}")
    click.echo("it applies at each member's next sign-in", err=True)


@idp.command("unmap")
@click.argument("group")
@pass_env
def unmap(env: Env, group: str) -> None:
    """GROUP gives nothing from members' next sign-in on."""
    gone = People(env.store).unmap_group(env.who(), group, env.request_id())
    click.echo(f"group {gone.claim_value!r} no longer mapped")


@idp.command("list")
@pass_env
def list_mappings(env: Env) -> None:
    """Mappings: group, role, organization."""
    for m in People(env.store).mappings():
        click.echo(f"{m.claim_value}\t{m.role.value}\t{m.org_id}")


@click.group()
def person() -> None:
    """People who signed in through the identity provider."""


@person.command("list")
@pass_env
def list_people(env: Env) -> None:
    """People: id, name, e-mail, role, organization, state, last sign-in."""
    for p in People(env.store).list(env.who()):
        state = "active" if p.active else "disabled"
        seen = p.last_sign_in.isoformat(timespec="seconds")
        click.echo(
            f"{p.id}\t{p.display_name}\t{p.email}\t{p.role.value}\t{p.org_id}\t{state}\t{seen}"
        )


@person.command("disable")
@click.argument("person_id")
@pass_env
def disable(env: Env, person_id: str) -> None:
    """Shut PERSON_ID out of the hub, whatever the identity provider says; their sessions
    end at once."""
    done = People(env.store).set_disabled(env.who(), person_id, True, env.request_id())
    click.echo(f"{done.display_name} ({done.id}) disabled")


@person.command("enable")
@click.argument("person_id")
@pass_env
def enable(env: Env, person_id: str) -> None:
    """Let PERSON_ID sign in again."""
    done = People(env.store).set_disabled(env.who(), person_id, False, env.request_id())
    click.echo(f"{done.display_name} ({done.id}) enabled")
