"""`crsa export`: signed auditor exports, and their offline verification."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import Env, pass_env
from hub.exports import auditor, signing
from hub.model import AuditDraft, utcnow
from hub.scoring import default_policy
from hub.scoring.compute import record, score_hub


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
    """Score the hub now, record the scores, and write them with their evidence to OUT."""
    store = env.store
    if org_id and store.get_organization(org_id) is None:
        raise click.ClickException(f"no agency {org_id}")
    now = utcnow()
    records = score_hub(
        store, default_policy(), now, stale_after_days=env.settings.stale_after_days
    )
    record(
        store,
        records,
        AuditDraft(
            env.who().actor,
            "export.create",
            org_id or "nation",
            env.request_id(),
            {"out": str(out), "scores": len(records)},
            now,
        ),
    )
    try:
        manifest = auditor.create(store, env.settings.home, out, records, org_id, now)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc}; choose a new directory") from None
    click.echo(str(out))
    click.echo(
        f"{len(manifest['files'])} files signed by {signing.fingerprint(manifest['public_key'])}",
        err=True,
    )
    click.echo(f"check it with: crsa export verify {out}", err=True)


@export.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--key", "pinned", help="The hub's public key (base64) the export must be signed with."
)
def verify(folder: Path, pinned: str | None) -> None:
    """Check FOLDER's signature and every file's digest, offline."""
    problems = auditor.verify(folder, pinned)
    if problems:
        for p in problems:
            click.echo(f"FAIL {p}", err=True)
        raise click.ClickException(f"{folder} does not verify ({len(problems)} problem(s))")
    click.echo(f"OK {folder}: every file matches the signed manifest")
