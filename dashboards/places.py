"""Agency, system and host by name, each a link to its page, for rows that carry only ids
(findings, sightings). Many rows name the same few places, so each id is read once, in
batches, rather than once per row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dashboards.i18n import t
from dashboards.view import href
from hub.core.store import Store
from hub.core.store.interface import ASSETS, ORGANIZATIONS, SYSTEMS, Kind, Query

BATCH = 500  # ids per read: well inside SQLite's bound parameters and ES's terms limit

# The columns a table of places shows, and which field holds each one's link.
COLUMNS = (("agency", "agency"), ("system", "system"), ("host", "hostname"))
LINKS = {"agency": "agency_href", "system": "system_href", "host": "host_href"}


def columns() -> list[tuple[str, str]]:
    """(field, header) of the place columns, in the reader's language."""
    return [(field, t(header)) for field, header in COLUMNS]


def _read(store: Store, kind: Kind[Any], ids: Iterable[str]) -> dict[str, Any]:
    wanted = sorted({i for i in ids if i})
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found.update((o.id, o) for o in store.select(kind, Query.page(None, len(chunk), chunk)))
    return found


class Places:
    """The agencies, systems and hosts a set of rows names, read once."""

    def __init__(self, store: Store, rows: Sequence[tuple[str, str, str | None]]) -> None:
        self.orgs = _read(store, ORGANIZATIONS, (r[0] for r in rows))
        self.systems = _read(store, SYSTEMS, (r[1] for r in rows))
        self.assets = _read(store, ASSETS, (r[2] or "" for r in rows))

    def agency(self, org_id: str) -> str:
        org = self.orgs.get(org_id)
        return str(org.name) if org else org_id

    def of(self, org_id: str, system_id: str, asset_id: str | None) -> dict[str, str]:
        """The place's fields for a table row: names, and the paths they link to. A row
        of no host (an SBOM's finding, on the whole system) says so."""
        system = self.systems.get(system_id)
        asset = self.assets.get(asset_id or "")
        if asset is not None:
            host, host_href = asset.hostname or asset.identifier, href("asset", id=asset.id)
        else:
            host, host_href = (asset_id or t("whole.system")), ""
        return {
            "agency": self.agency(org_id),
            "agency_href": href("agency", org=org_id),
            "system": system.name if system else system_id,
            "system_href": href("system", id=system_id) if system else "",
            "host": host,
            "host_href": host_href,
        }
