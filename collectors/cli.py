"""`crsa-collect` (and the hub's `crsa collect`): run a collector on this host and deliver
to a hub. The agent needs no hub installed: this module is the light distribution's
command, and the hub mounts the same group under its own CLI."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from collectors import wire
from collectors.endpoint import inventory, osquery
from collectors.endpoint.delivery import Delivery, DeliveryReport, Spool
from collectors.endpoint.host import Host
from collectors.endpoint.packages import FoundPackage

DEFAULT_SPOOL = "~/.cache/crsa-collector/spool"


def register(main: click.Group) -> None:
    main.add_command(collect)


def main() -> None:
    """`crsa-collect ...`: the same commands as `crsa collect ...`."""
    collect(prog_name="crsa-collect")


def _hub_options(f: Any) -> Any:
    f = click.option("--hub", envvar="CRSA_HUB_URL", help="Hub base URL ($CRSA_HUB_URL).")(f)
    f = click.option(
        "--token",
        envvar="CRSA_COLLECTOR_TOKEN",
        help="Agency token ($CRSA_COLLECTOR_TOKEN). On the command line every user of the"
        " host can read it (ps): prefer --token-file or the environment.",
    )(f)
    f = click.option(
        "--token-file",
        envvar="CRSA_COLLECTOR_TOKEN_FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A file holding the agency token, readable by the collector alone"
        " ($CRSA_COLLECTOR_TOKEN_FILE).",
    )(f)
    f = _token_from_file(f)
    f = click.option(
        "--system",
        "system_id",
        envvar="CRSA_SYSTEM_ID",
        help="The system this host is in; needed until the hub knows the host.",
    )(f)
    f = click.option(
        "--spool",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_SPOOL,
        show_default=True,
        help="Where batches wait while the hub is unreachable.",
    )(f)
    f = click.option("--spool-max-mb", type=int, default=256, show_default=True)(f)
    f = click.option(
        "--print", "print_only", is_flag=True, help="Print the inventory instead of sending it."
    )(f)
    return f


def _token_from_file(f: Any) -> Any:
    """Fold --token-file into `token`, and warn when the token came on the command line."""

    @functools.wraps(f)
    def wrapper(*args: Any, token: str | None, token_file: Path | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if token_file is not None:
            token = token_file.read_text(encoding="utf-8").strip()
            if not token:
                raise click.UsageError(f"{token_file} is empty: put the agency token in it")
        elif token and ctx.get_parameter_source("token") is ParameterSource.COMMANDLINE:
            click.echo(
                "warning: --token on the command line is visible to every user of this host;"
                " use --token-file FILE (mode 0600) or CRSA_COLLECTOR_TOKEN instead",
                err=True,
            )
        return f(*args, token=token, **kwargs)

    return wrapper


def _deliver(
    batch: wire.Inventory, hub: str | None, token: str | None, spool_dir: Path, spool_mb: int
) -> DeliveryReport:
    if not hub or not token:
        raise click.UsageError("give --hub and --token (or CRSA_HUB_URL and CRSA_COLLECTOR_TOKEN)")
    spool = Spool(spool_dir.expanduser(), spool_mb * 1024 * 1024)
    warnings = spool.put(batch)
    report = Delivery(hub, token, spool).flush()
    report.warnings[:0] = warnings
    return report


def _say(report: DeliveryReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for refused in report.rejected:
        click.echo(f"refused by the hub (set aside, not retried): {refused}", err=True)
    click.echo(
        f"delivered {report.sent} new batch(es), {report.duplicates} already stored,"
        f" {report.kept} waiting in the spool",
        err=True,
    )


def _host_sbom(host: Host, packages: list[FoundPackage]) -> str:
    """The host's CycloneDX SBOM, through cyclonedx-python-lib: an extra of the agent, so
    hosts that never write one do not carry the library."""
    try:
        from collectors.endpoint import host_sbom
    except ImportError:
        raise click.ClickException(
            "--sbom-out needs cyclonedx-python-lib: pip install 'crsa-collectors[sbom]'"
        ) from None
    return host_sbom.render(host, packages)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crsa-collectors", message="%(prog)s %(version)s")
def collect() -> None:
    """Collect inventory and telemetry and deliver it to a hub."""


@collect.command("endpoint")
@_hub_options
@click.option("--once", "mode", flag_value="once", default=True, help="One run (default).")
@click.option("--interval", type=int, help="Run every INTERVAL seconds until stopped.")
@click.option("--runs", type=int, hidden=True, help="Stop after this many runs (tests).")
@click.option(
    "--policy",
    "policies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An extra check policy (YAML); may repeat.",
)
@click.option(
    "--sbom-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the host's CycloneDX SBOM here.",
)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default="/", hidden=True)
def endpoint(
    hub: str | None,
    token: str | None,
    system_id: str | None,
    spool: Path,
    spool_max_mb: int,
    print_only: bool,
    mode: str,
    interval: int | None,
    runs: int | None,
    policies: tuple[Path, ...],
    sbom_out: Path | None,
    root: Path,
) -> None:
    """Inventory of this Linux host: packages, network, processes, configuration checks."""
    done = 0
    while True:
        batch, host, packages, problems = inventory.collect(system_id, root, policies)
        for problem in problems:
            click.echo(f"warning: policy skipped: {problem}", err=True)
        if sbom_out is not None:
            sbom_out.write_text(_host_sbom(host, packages), encoding="utf-8")
        failed = sum(c["status"] == "fail" for c in batch["checks"])
        click.echo(
            f"{host.hostname}: {len(packages)} packages, {len(batch['ports'])} listening ports,"
            f" {len(batch['processes'])} processes, {len(batch['checks'])} checks"
            f" ({failed} failed)",
            err=True,
        )
        if print_only:
            click.echo(json.dumps(batch, indent=2))
        else:
            _say(_deliver(batch, hub, token, spool, spool_max_mb))
        done += 1
        if interval is None or (runs is not None and done >= runs):
            return
        time.sleep(interval)


@collect.command("osquery")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_hub_options
@click.option("--table", default="", help="The table of an `osqueryi --json` array.")
def osquery_cmd(
    file: Path,
    hub: str | None,
    token: str | None,
    system_id: str | None,
    spool: Path,
    spool_max_mb: int,
    print_only: bool,
    table: str,
) -> None:
    """Inventory from osquery output (osqueryi --json, or osqueryd result logs)."""
    try:
        batch = osquery.load(file, system_id, table)
    except osquery.OsqueryError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo(f"{batch['host']['identifier']}: {len(batch['packages'])} packages", err=True)
    if print_only:
        click.echo(json.dumps(batch, indent=2))
        return
    _say(_deliver(batch, hub, token, spool, spool_max_mb))
