"""`crsa incidents`: an operator lists the reported incidents and shares one back, with the
errors a person can act on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub.core.auth import Principal
from hub.core.model import Role
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.core.store.interface import STIX_OBJECTS
from hub.sharing.desk import SharingDesk
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentForm, ObservableIn
from tests.cli.test_cli import home, ok, refused

__all__ = ["home"]


def test_list_then_share_an_incident(home: Path) -> None:
    assert ok(home, "incidents", "list") == ""
    ok(home, "org", "add", "Ops", "--kind", "operator")
    agency = ok(home, "org", "add", "Agency", "--kind", "agency")
    partner = ok(home, "org", "add", "ISAC", "--kind", "partner")
    store = open_store(load_settings(home=home))
    try:
        shares = (
            SharingDesk(store)
            .add_collection(
                Principal.operator("t"), "Shares", "t", readers=[partner], default_tlp="amber"
            )
            .id
        )
        form = IncidentForm(
            title="Beaconing", first_activity=datetime(2026, 11, 30, tzinfo=UTC),
            observables=[ObservableIn(type="ipv4-addr", value="198.51.100.23")],
        )  # fmt: skip
        reporter = Principal("token:a", Role.AGENCY_SUBMITTER, agency)
        incident, _ = IncidentDesk(store).report(reporter, form, "t")
    finally:
        store.close()
    listed = ok(home, "incidents", "list")
    assert incident.id in listed and "new" in listed and "TLP:AMBER" in listed

    message = refused(home, "incidents", "share", incident.id)
    assert "--collection" in message  # no share_collection set: says what to do
    assert "no incident" in refused(
        home, "incidents", "share", "incident--nope", "--collection", shares
    )
    shared = ok(home, "incidents", "share", incident.id, "--collection", shares)
    assert shared.startswith("shared report--")
    assert "already shared" in ok(home, "incidents", "share", incident.id, "--collection", shares)
    store = open_store(load_settings(home=home))
    try:
        kinds = {v.type for v in store.iter_all(STIX_OBJECTS, collection_id=shares)}
    finally:
        store.close()
    assert {"report", "ipv4-addr", "identity"} <= kinds
