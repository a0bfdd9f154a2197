"""`crsa export`: signed auditor exports, and their offline verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hub.cli import Env, pass_env
from hub.core.model import AuditDraft, utcnow
from hub.risk.exports import auditor, recompute, signing
from hub.risk.scoring.policy import load_policy


def register(main: click.Group) -> None:
    main.add_command(export)


@click.group()
def export() -> None:
    """Exports for auditors: scores with their evidence, signed."""


@export.command("create")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--agency", "org_id", help="Only this agency's scores and findings.")
@pass_env
def create(env: Env, out: Path, org_id: str | None) -> None:
    """Score the hub now and write the scores, their inputs and evidence to OUT, signed."""
    store = env.store
    if org_id and store.get_organization(org_id) is None:
        raise click.ClickException(f"no agency {org_id}")
    now = utcnow()

    def draft(detail: dict[str, Any]) -> AuditDraft:
        return AuditDraft(
            env.who().actor, "export.create", org_id or "nation", env.request_id(), detail, now
        )

    try:
        manifest = auditor.create(
            store,
            env.settings.home,
            out,
            org_id,
            now,
            draft,
            policy=load_policy(env.settings.scoring_policy),
            stale_after_days=env.settings.stale_after_days,
        )
    except FileExistsError as exc:
        raise click.ClickException(f"{exc}; choose a new directory") from None
    click.echo(str(out))
    click.echo(
        f"{len(manifest['files'])} files signed by {signing.fingerprint(manifest['public_key'])}",
        err=True,
    )
    click.echo(f"check it with: crsa export verify --recompute {out}", err=True)


@export.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--key", "pinned", help="The hub's public key (base64) the export must be signed with."
)
@click.option(
    "--recompute",
    "recompute_scores",
    is_flag=True,
    help="Also re-run the scoring from the export's own inputs and policy and compare.",
)
def verify(folder: Path, pinned: str | None, recompute_scores: bool) -> None:
    """Check FOLDER's signature and every file's digest, offline."""
    problems = auditor.verify(folder, pinned)
    checked = 0
    if not problems and recompute_scores:
        checked, problems = recompute.compare(folder)
    if problems:
        for p in problems[:50]:
            click.echo(f"FAIL {p}", err=True)
        raise click.ClickException(f"{folder} does not verify ({len(problems)} problem(s))")
    click.echo(f"OK {folder}: every file matches the signed manifest")
    if checked:
        click.echo(f"OK {folder}: {checked} scores recomputed from its inputs, all equal")
