"""`crsa sbom`, `crsa vex`, `crsa product`: SBOM intake and its companions from the shell."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import Env, pass_env
from hub.core.errors import InvalidSubmission
from sbom.desk import SbomDesk, Submission
from sbom.intake import MEDIA_TYPES, sniff

MEDIA_CHOICE = click.Choice([*MEDIA_TYPES, "auto"])


def register(main: click.Group) -> None:
    for command in (sbom, vex, product):
        main.add_command(command)


def _desk(env: Env) -> SbomDesk:
    return SbomDesk(env.store, env.settings)


def _read(path: Path, media_type: str) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, sniff(data) if media_type == "auto" else media_type


def _report(out: Submission) -> None:
    r = out.record
    if not out.changed:
        click.echo(f"{r.id}\t(already submitted on {r.submitted_at:%Y-%m-%d}: nothing changed)")
        if out.findings:
            f = out.findings
            click.echo(f"finished a submission cut short: {f['opened']} findings opened", err=True)
        _skipped(out)
        return
    click.echo(r.id)
    click.echo(
        f"{r.format} {r.spec_version} {r.encoding}: {r.components} components,"
        f" {r.unidentified} unidentified; NTIA quality {r.quality:.1f}/100",
        err=True,
    )
    for missing in r.missing:
        click.echo(f"  missing: {missing}", err=True)
    if out.findings:
        f = out.findings
        click.echo(
            f"findings: {f['opened']} opened, {f['fixed']} fixed across {f['scopes']} scope(s)",
            err=True,
        )
    if not r.current:
        click.echo("note: a newer version of this document is current; kept as history", err=True)
    _skipped(out)


def _skipped(out: Submission) -> None:
    """Every component the hub could not identify or judge, with the reason: a gap in
    coverage the supplier or the agency can close."""
    unidentified = out.parsed.extracted.skipped if out.parsed is not None else []
    for u in unidentified:
        click.echo(f"  unidentified: {u.name or '(unnamed)'} {u.version}: {u.reason}", err=True)
    for k in out.unmatched:
        click.echo(f"  not matched: {k.purl}: {k.reason}", err=True)
    if unidentified or out.unmatched:
        click.echo(
            f"{len(unidentified)} unidentified and {len(out.unmatched)} unmatched: give"
            " components a purl the hub's advisories can name (see docs/sbom.md)",
            err=True,
        )


@click.group()
def sbom() -> None:
    """SBOMs of systems and supplier products."""


@sbom.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--system", "system_id", help="The system the SBOM describes.")
@click.option("--product", "as_product", is_flag=True, help="It describes a supplier product.")
@click.option("--media-type", type=MEDIA_CHOICE, default="auto", show_default=True)
@pass_env
def submit(env: Env, file: Path, system_id: str | None, as_product: bool, media_type: str) -> None:
    """Validate FILE, store it as the current SBOM and print its id."""
    if bool(system_id) == as_product:
        raise click.UsageError("give exactly one of --system ID or --product")
    data, kind = _read(file, media_type)
    desk = _desk(env)
    if system_id:
        out = desk.submit_for_system(env.who(), system_id, data, kind, env.request_id())
    else:
        out = desk.submit_for_product(env.who(), data, kind, env.request_id())
        if out.product is not None:
            p = out.product
            click.echo(f"product {p.id}: {p.supplier} {p.name} {p.version}", err=True)
    _report(out)


@sbom.command("resume")
@pass_env
def resume(env: Env) -> None:
    """Finish SBOM submissions the hub stored but was stopped before matching (a crash);
    `crsa serve` does this when it starts."""

    def progress(n: int, total: int, subject: str) -> None:
        click.echo(f"[{n}/{total}] {subject}", err=True)

    report = _desk(env).finish_pending(env.request_id(), progress=progress)
    click.echo(f"{report.sboms} submission(s) finished: {report.opened} findings opened")


@sbom.command("list")
@click.option("--system", "system_id")
@click.option("--product", "product_id")
@pass_env
def list_(env: Env, system_id: str | None, product_id: str | None) -> None:
    """A subject's SBOMs, oldest first: id, submitted, current, components, quality."""
    if bool(system_id) == bool(product_id):
        raise click.UsageError("give exactly one of --system ID or --product ID")
    subject = f"system:{system_id}" if system_id else f"product:{product_id}"
    for r in _desk(env).history(subject):
        mark = "current" if r.current else "history"
        click.echo(
            f"{r.id}\t{r.submitted_at:%Y-%m-%dT%H:%M}\t{mark}\t{r.components}\t{r.quality:.1f}"
        )


@sbom.command("diff")
@click.argument("old_id")
@click.argument("new_id")
@pass_env
def diff(env: Env, old_id: str, new_id: str) -> None:
    """What changed from OLD_ID to NEW_ID: components, then vulnerabilities."""
    d = _desk(env).diff(env.who(), old_id, new_id)
    for p in d.added:
        click.echo(f"+ {p.purl}")
    for p in d.removed:
        click.echo(f"- {p.purl}")
    for c in d.changed:
        click.echo(f"~ {c.old.name} {c.old.version} -> {c.new.version}")
    for vuln, purl in d.introduced:
        click.echo(f"! introduced {vuln} in {purl}")
    for vuln, purl in d.fixed:
        click.echo(f"✓ fixed {vuln} in {purl}")
    click.echo(
        f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed;"
        f" {len(d.introduced)} vulnerabilities introduced, {len(d.fixed)} fixed",
        err=True,
    )


@click.group()
def vex() -> None:
    """VEX statements (OpenVEX, or CycloneDX with analyses)."""


@vex.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--system", "system_id")
@click.option("--product", "product_id")
@pass_env
def vex_submit(env: Env, file: Path, system_id: str | None, product_id: str | None) -> None:
    """Record FILE's statements for a system or a product and re-match what they cover."""
    if bool(system_id) == bool(product_id):
        raise click.UsageError("give exactly one of --system ID or --product ID")
    subject = f"system:{system_id}" if system_id else f"product:{product_id}"
    data = file.read_bytes()
    try:
        kind = sniff(data)
    except InvalidSubmission:
        kind = "application/json"
    statements, changed, report = _desk(env).submit_vex(
        env.who(), subject, data, kind, env.request_id()
    )
    for s in statements:
        click.echo(
            f"{s.vuln_id}\t{s.purl or '(whole subject)'}\t{s.state.value}\t{s.justification}"
        )
    if not changed:
        click.echo("nothing changed: these statements were recorded before", err=True)
    else:
        click.echo(
            f"re-matched {report.scopes} scope(s): {report.updated} findings updated", err=True
        )


@click.group()
def product() -> None:
    """Supplier products and the systems that run them."""


@product.command("list")
@pass_env
def product_list(env: Env) -> None:
    """Every product: id, supplier, name, version, purl."""
    after = None
    while True:
        page = env.store.list_products(after=after, limit=500)
        for p in page:
            click.echo(f"{p.id}\t{p.supplier}\t{p.name}\t{p.version}\t{p.purl}")
        if len(page) < 500:
            return
        after = page[-1].id


@product.command("deploy")
@click.argument("product_id")
@click.option("--system", "system_id", required=True)
@pass_env
def deploy(env: Env, product_id: str, system_id: str) -> None:
    """Declare that a system runs PRODUCT_ID: its findings reach the system at once."""
    out = _desk(env).deploy(env.who(), system_id, product_id, env.request_id())
    click.echo(out.value.id)
    if not out.changed:
        click.echo("(already declared)", err=True)
