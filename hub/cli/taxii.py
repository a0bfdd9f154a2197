"""`crsa taxii`: the hub's TAXII collections and who may read and write them."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.model import OrgKind, utcnow
from hub.sharing.desk import SharingDesk
from hub.sharing.ioc import record
from hub.sharing.markings import Tlp
from hub.sharing.outbound import publish


def register(main: click.Group) -> None:
    main.add_command(taxii)


@click.group()
def taxii() -> None:
    """TAXII 2.1 collections served at /taxii2/crsa/."""


@taxii.group("collection")
def collection() -> None:
    """Collections: create and list."""


@collection.command("add")
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--alias", default="")
@click.option("--read", "readers", multiple=True, help="An organization id that may read.")
@click.option("--write", "writers", multiple=True, help="An organization id that may write.")
@click.option(
    "--tlp",
    type=click.Choice([t.value for t in Tlp]),
    default=Tlp.AMBER.value,
    show_default=True,
    help="The marking of objects that carry none.",
)
@pass_env
def add(
    env: Env,
    title: str,
    description: str,
    alias: str,
    readers: tuple[str, ...],
    writers: tuple[str, ...],
    tlp: str,
) -> None:
    """Create a collection and print its id."""
    made = SharingDesk(env.store).add_collection(
        env.who(),
        title,
        env.request_id(),
        description=description,
        alias=alias,
        readers=readers,
        writers=writers,
        default_tlp=tlp,
    )
    click.echo(made.id)
    click.echo(f"served at /taxii2/crsa/collections/{made.id}/", err=True)


@collection.command("list")
@pass_env
def list_collections(env: Env) -> None:
    """Every collection with its readers, writers and default TLP."""
    for c in SharingDesk(env.store).collections(env.who()):
        click.echo(
            f"{c.id}\t{c.title}\tTLP:{c.default_tlp.upper()}"
            f"\tread: {','.join(c.readers) or '-'}\twrite: {','.join(c.writers) or '-'}"
        )


@taxii.command("publish")
@click.option("--collection", "collection_id", required=True)
@click.option("--tlp", type=click.Choice([t.value for t in Tlp]), help="Default: the collection's.")
@pass_env
def publish_command(env: Env, collection_id: str, tlp: str | None) -> None:
    """Publish the hub's identity and its exploited and critical vulnerabilities (counts of
    agencies and hosts, never their names) into a collection; unchanged ones are skipped."""
    store = env.store
    operators = store.list_organizations(kind=OrgKind.OPERATOR, limit=1)
    if not operators:
        raise click.ClickException(
            "no operator organization to publish as; create one: crsa org add NAME --kind operator"
        )
    status = publish(
        store, collection_id, operators[0], utcnow(), env.request_id(), Tlp(tlp) if tlp else None
    )
    if status is None:
        click.echo("nothing changed since the last publish")
        return
    click.echo(f"{status.success_count} objects published, {status.failure_count} refused")


@taxii.command("match")
@pass_env
def match_command(env: Env) -> None:
    """Match every live partner indicator against the hosts' latest telemetry and record the
    sightings (they raise the hosts' scores at the next scoring run)."""
    run = record(env.store, utcnow())
    click.echo(
        f"{run.indicators} indicators x {run.hosts} hosts: {run.sightings} sightings"
        f" ({run.new} new, {run.ended} ended)"
    )
    if run.new or run.ended:
        click.echo("scores follow at the next `crsa score` (or within score_interval)", err=True)
