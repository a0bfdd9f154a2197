"""`crsa score`: score the hub now (and record it), or show what was recorded on a past date."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime

import click

from hub.cli import Env, pass_env
from hub.cli.watching import watch
from hub.core.model import AuditDraft, utcnow
from hub.risk.scoring.compute import Run, audit_draft, run_scoring, score_as_of
from hub.risk.scoring.judgments import judge, load, scenarios_text
from hub.risk.scoring.policy import ScoringPolicy, load_policy


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


def _drafter(env: Env, policy: ScoringPolicy, now: datetime) -> Callable[[Run], AuditDraft]:
    return audit_draft(env.who().actor, env.request_id(), policy, now)


def _watch(env: Env, interval: int) -> None:
    """Incremental runs forever: changes and passing deadlines reach the scores within
    `interval` seconds."""
    policy = load_policy(env.settings.scoring_policy)[0]

    def step() -> str | None:
        now = utcnow()
        run = run_scoring(
            env.store,
            policy,
            now,
            _drafter(env, policy, now),
            stale_after_days=env.settings.stale_after_days,
        )
        return f"rescored {run.rescored} of {run.systems}" if run.rescored else None

    watch(
        interval,
        f"scoring what changes (policy {policy.version})",
        step,
        "scoring",
        env.settings.log_format,
    )


@click.command("score")
@click.option("--as-of", "as_of", help="Show the scores recorded at or before this date or time.")
@click.option("--org", "org_id", help="Only this agency.")
@click.option(
    "--full", is_flag=True, help="Rescore every system, not only those changed since last run."
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep scoring what changes, every --interval seconds, until stopped (the server runs"
    " this beside itself).",
)
@click.option("--interval", "-i", type=click.IntRange(1), default=60, show_default=True)
@click.option(
    "--check-policy",
    "check_policy",
    type=click.Path(dir_okay=False),
    help="Check a scoring policy file against the SOC judgments (hub/risk/scoring/scenarios.yaml)"
    " and report every one it breaks; scores nothing.",
)
@pass_env
def score_command(
    env: Env,
    as_of: str | None,
    org_id: str | None,
    full: bool,
    watch: bool,
    interval: int,
    check_policy: str | None,
) -> None:
    """Score what changed (every asset, system and agency and the nation with --full), record
    it, and print the agencies; with --as-of, print what was recorded then instead."""
    if check_policy is not None:
        _check(check_policy)
        return
    if watch:
        _watch(env, interval)
        return
    store = env.store
    everyone = [o for o in store.list_organizations(limit=10_000) if o.kind.value == "agency"]
    agencies = everyone
    if org_id:
        agencies = [o for o in everyone if o.id == org_id]
        if not agencies:
            raise click.ClickException(f"no agency {org_id}")
    if as_of is None:
        now = utcnow()
        policy = load_policy(env.settings.scoring_policy)[0]

        with click.progressbar(length=len(everyone), label="scoring", file=sys.stderr) as bar:
            run = run_scoring(
                store,
                policy,
                now,
                _drafter(env, policy, now),
                stale_after_days=env.settings.stale_after_days,
                full=full,
                progress=lambda n, total: bar.update(1),
            )
        click.echo(
            f"rescored {run.rescored} of {run.systems} systems"
            f" ({'full run' if full else 'only what changed'}); {run.records} score records",
            err=True,
        )
        when = now
    else:
        when = _when(as_of)
    shown = load_policy(env.settings.scoring_policy)[0].grades
    click.echo(
        "agency\trisk (0-100, higher is worse)\tband\tpoints per asset\tpoints"
        "\tassets reporting\tsystems with SBOM\tflags"
    )
    scores = store.latest_scores([f"organization:{o.id}" for o in agencies], when)
    for org in agencies:
        rec = scores.get(f"organization:{org.id}")
        if rec is None:
            click.echo(f"{org.name}\t-\t-\t-\t-\tno score recorded by {when.isoformat()}")
            continue
        cov = rec.coverage
        click.echo(
            f"{org.name}\t{rec.grade:.0f}\t{shown.label(rec.band) or '-'}\t{rec.measure:.1f}"
            f"\t{rec.points:.1f}\t{cov.get('asset_share', 0):.0%}"
            f"\t{cov.get('sbom_share', 0):.0%}\t{','.join(rec.flags)}"
        )
    nation = score_as_of(store, "nation", when)
    if nation is not None and not org_id:
        stamp = f"policy {nation.policy_version}, {nation.computed_at.isoformat()}"
        click.echo(
            f"nation\t{nation.grade:.0f}\t{shown.label(nation.band) or '-'}"
            f"\t{nation.measure:.1f}\t{nation.points:.1f}\t\t\t({stamp})"
        )


def _check(path: str) -> None:
    """Every judgment the policy breaks, with its reason and the numbers; exit 1 if any."""
    policy = load_policy(path)[0]
    verdicts = judge(load(scenarios_text()), policy)
    broken = [v for v in verdicts if not v.held]
    for v in broken:
        click.echo(v.describe())
    if broken:
        raise click.ClickException(
            f"policy {policy.version} breaks {len(broken)} of {len(verdicts)} judgments;"
            " change the weights above, or argue the judgment in hub/risk/scoring/scenarios.yaml"
        )
    click.echo(f"policy {policy.version} passes all {len(verdicts)} judgments")
