"""`crsa triage`: the remediation queue, worst first, and its status, owner and comments."""

from __future__ import annotations

import json

import click

from hub.cli import Env, pass_env
from hub.cli.score import _when
from hub.risk.triage import TriageDesk


def register(main: click.Group) -> None:
    main.add_command(triage)


@click.group()
def triage() -> None:
    """Ranked remediation actions across assets and agencies."""


@triage.command("list")
@click.option("--org", "org_id", help="Only this agency's share.")
@click.option("--status", type=click.Choice(["open", "in_progress", "done", "accepted_risk"]))
@click.option("--kind", type=click.Choice(["upgrade", "mitigate", "configure"]))
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_env
def list_actions(
    env: Env, org_id: str | None, status: str | None, kind: str | None, limit: int, as_json: bool
) -> None:
    """Print the queue as of the last scoring run (`crsa score` brings it up to date)."""
    rows = TriageDesk(env.store).queue(env.who(), status=status, kind=kind, org_id=org_id)
    if not rows:
        click.echo("the queue is empty: nothing scored yet, or nothing to do", err=True)
        click.echo("run `crsa score` after feeds, SBOMs or inventory arrive", err=True)
        return
    for row in rows[:limit]:
        if as_json:
            click.echo(json.dumps(row, sort_keys=True))
        else:
            owner = f" [{row['owner']}]" if row["owner"] else ""
            click.echo(f"{row['rank']:>3}. {row['title']} ({row['status']}{owner}) {row['id']}")
    if len(rows) > limit:
        click.echo(f"... and {len(rows) - limit} more (--limit)", err=True)


@triage.command("set")
@click.argument("action_id")
@click.option("--status", type=click.Choice(["open", "in_progress", "done", "accepted_risk"]))
@click.option("--owner")
@click.option("--comment")
@click.option("--accept-until", "until", help="Accept the risk until this date (needs --reason).")
@click.option("--reason", default="", help="Why the risk is accepted, for the auditors.")
@pass_env
def set_action(
    env: Env,
    action_id: str,
    status: str | None,
    owner: str | None,
    comment: str | None,
    until: str | None,
    reason: str,
) -> None:
    """Change an action's status or owner, comment on it, or accept its risk for a while."""
    if status is None and owner is None and comment is None and until is None:
        raise click.UsageError("say what to change: --status, --owner, --comment or --accept-until")
    row = TriageDesk(env.store).update(
        env.who(),
        action_id,
        env.request_id(),
        status=status,
        owner=owner,
        comment=comment,
        accepted_until=_when(until) if until else None,
        reason=reason,
    )
    click.echo(f"{row['title']} ({row['status']})")
    if until:
        click.echo("the accepted risk counts from the next `crsa score` run", err=True)
