"""`crsa intel`: threat intelligence in and out of the hub's TAXII collections, as STIX 2.1
or as MISP events (converted by misp-stix)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import click

from hub.cli import Env, pass_env
from hub.core.errors import InvalidSubmission, NotFound
from hub.core.jsontext import TooDeep, loads_bounded
from hub.core.store.interface import STIX_OBJECTS, TAXII_COLLECTIONS, Query
from hub.sharing import misp
from hub.sharing.desk import SharingDesk
from hub.sharing.incidents.desk import IncidentDesk

FORMATS = click.Choice(["misp", "stix"])


def register(main: click.Group) -> None:
    main.add_command(intel)


@click.group()
def intel() -> None:
    """Threat intelligence files in and out: STIX 2.1 bundles and MISP events."""


def _read(path: Path) -> Any:
    try:
        return loads_bounded(path.read_bytes())
    except (ValueError, TooDeep) as exc:
        raise InvalidSubmission(f"{path} is not JSON: {exc}") from None


@intel.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMATS, required=True)
@click.option("--collection", "collection_id", required=True, help="The TAXII collection.")
@click.option("--org", "org_id", required=True, help="The organization the intel comes from.")
@pass_env
def import_command(env: Env, path: Path, fmt: str, collection_id: str, org_id: str) -> None:
    """Keep a file's objects in a collection, as a partner's TAXII POST would: each object
    checked by the OASIS validator, the same file twice adding nothing."""
    document = _read(path)
    if fmt == "misp":
        objects = misp.to_stix(document)
    elif isinstance(document, dict) and isinstance(document.get("objects"), list):
        objects = document["objects"]
    else:
        raise InvalidSubmission(f"{path} is not a STIX bundle (no 'objects' list)")
    collection = env.store.fetch(TAXII_COLLECTIONS, collection_id)
    if collection is None:
        raise NotFound(f"no collection {collection_id}", hint="crsa taxii collection list")
    if env.store.get_organization(org_id) is None:
        raise NotFound(f"no organization {org_id}", hint="crsa org list")
    status = SharingDesk(env.store).keep(
        collection, objects, org_id, env.who().actor, env.request_id()
    )
    click.echo(
        f"{status.success_count} objects kept, {status.failure_count} refused"
        f" (of {status.total_count}) in {collection_id}"
    )
    for failure in status.failures:
        click.echo(f"  refused {failure['id'] or '(no id)'}: {failure['message']}", err=True)


@intel.command("export")
@click.option("--format", "fmt", type=FORMATS, required=True)
@click.option("--collection", "collection_id", help="Every live object of this collection.")
@click.option("--incident", "incident_id", help="One incident's objects.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@pass_env
def export_command(
    env: Env, fmt: str, collection_id: str | None, incident_id: str | None, out: Path | None
) -> None:
    """Write a collection's objects, or an incident's, as a STIX bundle or MISP events."""
    if (collection_id is None) == (incident_id is None):
        raise click.UsageError("give one of --collection and --incident")
    if incident_id is not None:
        objects = list(IncidentDesk(env.store).get(env.who(), incident_id).objects)
    else:
        assert collection_id is not None
        if env.store.fetch(TAXII_COLLECTIONS, collection_id) is None:
            raise NotFound(f"no collection {collection_id}", hint="crsa taxii collection list")
        live = Query(
            equals={"collection_id": collection_id, "last": True, "deleted": False},
            order_by="date_added",
            limit=100_000,
        )
        objects = [v.object for v in env.store.select(STIX_OBJECTS, live)]
    document: Any
    if fmt == "misp":
        document = {"response": misp.to_misp(objects)}
    else:
        document = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{len(objects)} objects written to {out}", err=True)
