"""`crsa score`: score the hub now (and record it), or show what was recorded on a past date."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from hub.cli import Env, pass_env
from hub.model import AuditDraft, utcnow
from hub.scoring import default_policy
from hub.scoring.compute import record, score_as_of, score_hub


def register(main: click.Group) -> None:
    main.add_command(score_command)


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO date or time") from None
    if value.tzinfo is None:  # a date means its end, in UTC
        value = value.replace(tzinfo=UTC)
        if len(text) == 10:
            value = value.replace(hour=23, minute=59, second=59)
    return value


@click.command("score")
@click.option("--as-of", "as_of", help="Show the scores recorded at or before this date or time.")
@click.option("--org", "org_id", help="Only this agency.")
@pass_env
def score_command(env: Env, as_of: str | None, org_id: str | None) -> None:
    """Score every asset, system and agency and the nation; print the agencies."""
    store = env.store
    agencies = [o for o in store.list_organizations(limit=10_000) if o.kind.value == "agency"]
    if org_id:
        agencies = [o for o in agencies if o.id == org_id]
        if not agencies:
            raise click.ClickException(f"no agency {org_id}")
    if as_of is None:
        now = utcnow()
        with click.progressbar(length=len(agencies), label="scoring", file=sys.stderr) as bar:
            records = score_hub(
                store,
                default_policy(),
                now,
                stale_after_days=env.settings.stale_after_days,
                progress=lambda n, total: bar.update(1),
            )
        record(
            store,
            records,
            AuditDraft(
                env.who().actor,
                "score.compute",
                "nation",
                env.request_id(),
                {"records": len(records), "policy": default_policy().version},
                now,
            ),
        )
        when = now
    else:
        when = _when(as_of)
    click.echo("agency\tpoints\tgrade\tassets reporting\tsystems with SBOM\tflags")
    for org in agencies:
        rec = score_as_of(store, f"organization:{org.id}", when)
        if rec is None:
            click.echo(f"{org.name}\t-\t-\t-\t-\tno score recorded by {when.isoformat()}")
            continue
        cov = rec.coverage
        click.echo(
            f"{org.name}\t{rec.points:.1f}\t{rec.grade:.1f}\t{cov.get('asset_share', 0):.0%}"
            f"\t{cov.get('sbom_share', 0):.0%}\t{','.join(rec.flags)}"
        )
    nation = score_as_of(store, "nation", when)
    if nation is not None and not org_id:
        stamp = f"policy {nation.policy_version}, {nation.computed_at.isoformat()}"
        click.echo(f"nation\t{nation.points:.1f}\t{nation.grade:.1f}\t\t\t({stamp})")
