"""MISP interoperability through misp-stix (issue 23, item 6): real MISP events (the
misp-stix project's own test events) in through `crsa intel import`, out through
`crsa intel export`, and equal in their attributes and indicators; an incident out as a
MISP event; files that are no MISP events refused with a message, not a traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.core.auth import Principal
from hub.core.model import Role
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.core.store.interface import STIX_OBJECTS
from hub.sharing import misp
from hub.sharing.desk import SharingDesk
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentForm, ObservableIn
from tests.cli.test_cli import home, ok, refused

__all__ = ["home"]
SAMPLES = Path(__file__).parent.parent / "data" / "misp"


def _attributes(events: list[dict[str, Any]]) -> dict[str, set[tuple[Any, ...]]]:
    """event uuid -> its attributes as MISP knows them."""
    out = {}
    for item in events:
        event = item.get("Event", item)
        out[event["uuid"]] = {
            (a["uuid"], a["type"], a["category"], a["value"], bool(a.get("to_ids", False)))
            for a in event.get("Attribute", [])
        }
    return out


@pytest.fixture
def setup(home: Path) -> tuple[Path, str, str]:
    ok(home, "org", "add", "Ops", "--kind", "operator")
    partner = ok(home, "org", "add", "CIRCL", "--kind", "partner")
    store = open_store(load_settings(home=home))
    try:
        collection = (
            SharingDesk(store)
            .add_collection(
                Principal.operator("t"), "MISP in", "t", readers=[partner], writers=[partner]
            )
            .id
        )
    finally:
        store.close()
    return home, collection, partner


@pytest.mark.parametrize("sample", ["events_1.json", "events_2.json"])
def test_a_misp_event_goes_in_and_comes_out_equal(
    setup: tuple[Path, str, str], sample: str, tmp_path: Path
) -> None:
    home, collection, partner = setup
    source = SAMPLES / sample
    original = json.loads(source.read_text())["response"]
    said = ok(home, "intel", "import", str(source), "--format", "misp",
              "--collection", collection, "--org", partner)  # fmt: skip
    assert "0 refused" in said, said
    store = open_store(load_settings(home=home))
    try:
        stored = list(store.iter_all(STIX_OBJECTS, collection_id=collection))
    finally:
        store.close()
    again = ok(home, "intel", "import", str(source), "--format", "misp",
               "--collection", collection, "--org", partner)  # fmt: skip
    assert "0 refused" in again
    store = open_store(load_settings(home=home))
    try:
        assert len(list(store.iter_all(STIX_OBJECTS, collection_id=collection))) == len(stored)
    finally:
        store.close()

    out = tmp_path / "out.json"
    ok(home, "intel", "export", "--format", "misp", "--collection", collection, "--out", str(out))
    exported = json.loads(out.read_text())["response"]
    assert _attributes(exported) == _attributes(original)
    infos = {e["Event"]["uuid"]: e["Event"]["info"] for e in original}
    assert {e.get("Event", e)["uuid"]: e.get("Event", e)["info"] for e in exported} == infos

    # The indicators too: what misp-stix makes of the original, the hub gives back.
    stix_out = tmp_path / "out.stix.json"
    ok(home, "intel", "export", "--format", "stix", "--collection", collection,
       "--out", str(stix_out))  # fmt: skip
    given = json.loads(stix_out.read_text())["objects"]
    made = misp.to_stix({"response": original})

    def indicators(objects: list[dict[str, Any]]) -> dict[str, str]:
        return {o["id"]: o["pattern"] for o in objects if o["type"] == "indicator"}

    assert indicators(given) == indicators(made)
    assert indicators(given) or not any(a[4] for a in set().union(*_attributes(original).values()))


def test_an_incident_goes_out_as_a_misp_event(home: Path, tmp_path: Path) -> None:
    agency = ok(home, "org", "add", "Agency", "--kind", "agency")
    store = open_store(load_settings(home=home))
    try:
        form = IncidentForm(
            title="Beaconing", first_activity=datetime(2026, 11, 30, tzinfo=UTC),
            observables=[ObservableIn(type="ipv4-addr", value="198.51.100.23"),
                         ObservableIn(type="domain-name", value="c2.example.net")],
        )  # fmt: skip
        who = Principal("token:a", Role.AGENCY_SUBMITTER, agency)
        incident, _ = IncidentDesk(store).report(who, form, "t")
    finally:
        store.close()
    out = tmp_path / "incident.misp.json"
    ok(home, "intel", "export", "--format", "misp", "--incident", incident.id, "--out", str(out))
    events = json.loads(out.read_text())["response"]
    values = {a["value"] for e in events for a in e.get("Event", e).get("Attribute", [])}
    values |= {
        a["value"]
        for e in events
        for o in e.get("Event", e).get("Object", [])
        for a in o.get("Attribute", [])
    }
    assert {"198.51.100.23", "c2.example.net"} <= values, events


def test_files_that_are_not_misp_events_are_refused(
    setup: tuple[Path, str, str], tmp_path: Path
) -> None:
    home, collection, partner = setup
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"response": [{"Event": {"no": "info"}}]}))
    message = refused(home, "intel", "import", str(junk), "--format", "misp",
                      "--collection", collection, "--org", partner)  # fmt: skip
    assert "item 0 is not a MISP event" in message
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert "is not JSON" in refused(home, "intel", "import", str(broken), "--format", "stix",
                                    "--collection", collection, "--org", partner)  # fmt: skip
    sample = str(SAMPLES / "events_1.json")
    assert "no collection" in refused(home, "intel", "import", sample, "--format", "misp",
                                      "--collection", "nope", "--org", partner)  # fmt: skip
    assert "--collection and --incident" in refused(home, "intel", "export", "--format", "misp")
