"""`crsa incidents`: the incidents agencies reported, and sharing one back to partners."""

from __future__ import annotations

import json

import click

from hub.cli import Env, pass_env
from hub.core.records.incidents import IncidentState
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.sanitise import ALLOWABLE


def register(main: click.Group) -> None:
    main.add_command(incidents)


@click.group()
def incidents() -> None:
    """Incidents agencies reported (the Knowledge Wall)."""


@incidents.command("list")
@click.option("--org", "org_id", help="Only this agency's.")
@click.option("--state", type=click.Choice([s.value for s in IncidentState]))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_env
def list_incidents(env: Env, org_id: str | None, state: str | None, as_json: bool) -> None:
    """Print incidents, newest first."""
    found = IncidentDesk(env.store).listing(
        env.who(), org_id=org_id, state=IncidentState(state) if state else None, limit=1000
    )
    if not found:
        click.echo("no incident reported yet: agencies report them with POST /api/v1/incidents",
                   err=True)  # fmt: skip
        return
    for i in sorted(found, key=lambda i: i.last_activity, reverse=True):
        if as_json:
            row = {k: v for k, v in i.__dict__.items() if k != "objects"}
            click.echo(json.dumps(row, default=str, sort_keys=True))
        else:
            click.echo(f"{i.id}  {i.state:<9} {i.severity:<8} TLP:{i.tlp.upper():<12} {i.title}")


@incidents.command("share")
@click.argument("incident_id")
@click.option(
    "--collection",
    "collection_id",
    help="The TAXII collection to publish into (default: the share_collection setting).",
)
@click.option(
    "--tlp",
    type=click.Choice(["clear", "green", "amber"]),
    help="The report's TLP: the incident's own, or stricter (the default: its own).",
)
@click.option("--allow", "allowed", multiple=True, type=click.Choice(ALLOWABLE),
              help="What identifies the victim and may go anyway (repeat it).")  # fmt: skip
@pass_env
def share(
    env: Env, incident_id: str, collection_id: str | None, tlp: str | None, allowed: tuple[str, ...]
) -> None:
    """Publish the incident to partners as a sanitised STIX report: its observables,
    indicators, techniques and vulnerabilities, without the agency, its hostnames and
    internal addresses, or free text, unless --allow lets them go."""
    target = collection_id or env.settings.share_collection
    if not target:
        raise click.UsageError(
            "no collection to publish into: give --collection, or set share_collection"
            " (crsa taxii collection list)"
        )
    objects, status = IncidentDesk(env.store).share(
        env.who(), incident_id, target, env.request_id(), tlp=tlp, allow=frozenset(allowed)
    )
    report = next(o for o in objects if o["type"] == "report")
    if status is None:
        click.echo(f"{report['id']} is already shared as it is: nothing new to publish")
        return
    click.echo(f"shared {report['id']} with {len(report['object_refs'])} objects into {target}")
