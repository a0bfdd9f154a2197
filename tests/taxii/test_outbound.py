"""STIX out on both stores: the hub publishes its identity and the exploited or critical
vulnerabilities open in agencies, counted and never named, valid by the OASIS validator,
and a second publish with nothing new writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

import stix2
from flask.testing import FlaskClient
from stix2validator import ValidationOptions, validate_instance

from collectors import wire
from hub.core.auth import Principal
from hub.core.model import OrgKind, Severity, utcnow
from hub.core.store.interface import SIGHTINGS
from hub.sharing.desk import SharingDesk
from hub.sharing.identities import SharingPolicy, stix_id
from hub.sharing.ioc import record
from hub.sharing.outbound import publish
from tests.conftest import World
from tests.scoring.test_continuous import put, vuln
from tests.scoring.test_scores import host_batch
from tests.taxii.test_conformance import ROOT, basic


def test_published_vulnerabilities_are_counted_anonymous_and_valid(
    client: FlaskClient, world: World
) -> None:
    t0 = utcnow() - timedelta(days=2)
    due = (t0 + timedelta(days=14)).date().isoformat()
    a = (world, world.system_a, world.asset_a, world.agency_a)
    b = (world, world.system_b, world.asset_b, world.agency_b)
    put(
        world.store,
        vuln(*a, "CVE-2024-3094", t0, kev_due=due),
        vuln(*b, "CVE-2024-3094", t0, kev_due=due),
        vuln(*a, "CVE-2026-0002", t0, severity=Severity.CRITICAL),
        vuln(*a, "CVE-2026-0003", t0),
    )
    root = Principal.operator("tests")
    collection = SharingDesk(world.store).add_collection(
        root, "Hub advisories", "t", readers=[world.partner], default_tlp="green"
    )
    [operator] = world.store.list_organizations(kind=OrgKind.OPERATOR)
    status = publish(world.store, collection.id, operator, utcnow(), "t")
    assert status is not None and (status.success_count, status.failure_count) == (3, 0)

    got = client.get(
        f"{ROOT}/collections/{collection.id}/objects/", headers=basic(world, "partner")
    )
    body = got.get_data(as_text=True)
    objects = {o["id"]: o for o in got.get_json()["objects"]}
    kev = objects[stix_id("vulnerability", "CVE-2024-3094")]
    assert kev["description"].startswith("Open in 2 agencies on 2 hosts or systems")
    assert "listed in CISA KEV" in kev["description"] and kev["labels"] == ["exploited"]
    assert kev["external_references"] == [{"source_name": "cve", "external_id": "CVE-2024-3094"}]
    assert objects[stix_id("vulnerability", "CVE-2026-0002")]["labels"] == ["critical"]
    assert stix_id("vulnerability", "CVE-2026-0003") not in objects  # high, not exploited
    identity = objects[kev["created_by_ref"]]
    assert identity["type"] == "identity" and identity["name"] == "Operations Center"
    for name in ("Agency A", "Agency B", "Portal A", "Payroll B", "host-a", world.agency_a):
        assert name not in body  # the sharing policy: counts, never names
    options = ValidationOptions(version="2.1")
    for obj in objects.values():
        assert validate_instance(obj, options).is_valid, obj["id"]

    head = world.store.audit_head()
    assert publish(world.store, collection.id, operator, utcnow(), "t") is None
    assert world.store.audit_head() == head  # nothing new: nothing written
    put(world.store, vuln(*b, "CVE-2026-0002", t0, severity=Severity.CRITICAL))
    again = publish(world.store, collection.id, operator, utcnow() + timedelta(seconds=1), "t")
    assert again is not None and again.success_count == 1  # only the one that changed
    oid = stix_id("vulnerability", "CVE-2026-0002")
    versions = client.get(
        f"{ROOT}/collections/{collection.id}/objects/{oid}/versions/",
        headers=basic(world, "partner"),
    ).get_json()["versions"]
    assert len(versions) == 2


def _detecting(client: FlaskClient, world: World, who: str, system: str, host: str,
               detections: list[dict[str, str]]) -> None:  # fmt: skip
    batch = host_batch(system, host, failed_check=False)
    batch["packages"], batch["detections"] = [], cast(list[wire.Detection], detections)
    batch["domains"] = [d["value"] for d in detections if d["kind"] == "domain-name"]
    sent = client.post(
        "/api/v1/inventory",
        data=json.dumps(batch),
        headers={**world.auth(who), "Content-Type": "application/json"},
    )
    assert sent.status_code == 201, sent.get_json()


def test_agency_detections_become_indicators_seen_by_n_agencies(
    client: FlaskClient, world: World
) -> None:
    c2 = {"kind": "domain-name", "value": "c2.example.net", "rule": "MOJ-EDR-17",
          "detected_at": "2026-11-20T10:00:00+00:00"}  # fmt: skip
    _detecting(client, world, "agency_a", world.system_a, "web-1", [c2])
    later = {**c2, "rule": "B-proxy", "detected_at": "2026-11-22T08:00:00+00:00"}
    miner = {"kind": "file", "value": "ab" * 32, "detected_at": "2026-11-21T00:00:00+00:00"}
    _detecting(client, world, "agency_b", world.system_b, "db-1", [later, miner])
    bad = {**miner, "kind": "ipv4-addr", "value": "2001:db8::1"}
    refused = client.post(
        "/api/v1/inventory",
        data=json.dumps({**host_batch(world.system_b, "db-2", False), "detections": [bad]}),
        headers={**world.auth("agency_b"), "Content-Type": "application/json"},
    )
    assert refused.status_code in (400, 422) and "not an ipv4-addr" in refused.get_data(True)

    root = Principal.operator("tests")
    collection = SharingDesk(world.store).add_collection(
        root, "Hub indicators", "t", readers=[world.partner], default_tlp="amber"
    )
    [operator] = world.store.list_organizations(kind=OrgKind.OPERATOR)
    assert publish(world.store, collection.id, operator, utcnow(), "t") is not None
    got = client.get(
        f"{ROOT}/collections/{collection.id}/objects/", headers=basic(world, "partner")
    )
    objects = {o["id"]: o for o in got.get_json()["objects"]}
    indicator = objects[stix_id("indicator", "detection", "domain-name", "c2.example.net")]
    assert indicator["pattern"] == "[domain-name:value = 'c2.example.net']"
    assert indicator["valid_from"].startswith("2026-11-20T10:00:00")
    sighting = objects[stix_id("sighting", "detection", "domain-name", "c2.example.net")]
    assert sighting["sighting_of_ref"] == indicator["id"] and sighting["count"] == 2
    assert sighting["first_seen"].startswith("2026-11-20T10:00:00")
    assert sighting["last_seen"].startswith("2026-11-22T08:00:00")
    assert sighting["description"] == "Detected on 2 hosts in 2 agencies."
    assert sighting["where_sighted_refs"] == [indicator["created_by_ref"]]  # the hub only
    file_pattern = objects[stix_id("indicator", "detection", "file", "ab" * 32)]["pattern"]
    assert file_pattern == f"[file:hashes.'SHA-256' = '{'ab' * 32}']"
    body = got.get_data(as_text=True)
    for secret in ("Agency A", "Agency B", "MOJ-EDR-17", "B-proxy", "web-1", world.agency_a):
        assert secret not in body
    options = ValidationOptions(version="2.1")
    for obj in objects.values():
        assert validate_instance(obj, options).is_valid, obj["id"]

    named = SharingDesk(world.store).add_collection(
        root, "Named", "t", readers=[world.partner], default_tlp="amber"
    )
    policy = SharingPolicy(name_agencies=True)
    assert publish(world.store, named.id, operator, utcnow(), "t", policy=policy) is not None
    got = client.get(f"{ROOT}/collections/{named.id}/objects/", headers=basic(world, "partner"))
    objects = {o["id"]: o for o in got.get_json()["objects"]}
    sighting = objects[stix_id("sighting", "detection", "domain-name", "c2.example.net")]
    names = {objects[ref]["name"] for ref in sighting["where_sighted_refs"]}
    assert names == {"Agency A", "Agency B"}  # allowed by this policy, and only by it
    for obj in objects.values():
        assert validate_instance(obj, options).is_valid, obj["id"]


def test_the_hubs_own_indicators_are_not_sighted_on_the_hosts_they_came_from(
    client: FlaskClient, world: World
) -> None:
    """Found running the demo: after the hub published the indicators it derives from
    agencies' detections, the next matching run sighted them on the very hosts that
    detected them, counting each detection again as a partner warning (the demo printed
    30 sightings and the sharing page soon showed 38)."""
    c2 = {"kind": "domain-name", "value": "c2.example.net", "rule": "EDR",
          "detected_at": "2026-11-20T10:00:00+00:00"}  # fmt: skip
    _detecting(client, world, "agency_a", world.system_a, "web-1", [c2])
    root = Principal.operator("tests")
    inbound = SharingDesk(world.store).add_collection(
        root, "Partner", "t", readers=[world.partner], writers=[world.partner]
    )
    outbound = SharingDesk(world.store).add_collection(
        root, "Hub indicators", "t", readers=[world.partner], default_tlp="amber"
    )
    [operator] = world.store.list_organizations(kind=OrgKind.OPERATOR)
    assert publish(world.store, outbound.id, operator, utcnow(), "t") is not None
    assert record(world.store, utcnow()).sightings == 0  # its own publication: no sighting
    # The same observable from a partner is a warning, and is sighted.
    warned = stix2.v21.Indicator(
        pattern="[domain-name:value = 'c2.example.net']", pattern_type="stix",
        valid_from="2026-11-01T00:00:00Z", name="C2 domain",
    )  # fmt: skip
    SharingDesk(world.store).keep(
        inbound, [json.loads(warned.serialize())], world.partner, "partner", "t"
    )
    run = record(world.store, utcnow())
    assert run.sightings == 1
    [seen] = world.store.iter_all(SIGHTINGS, active=True)
    assert seen.indicator_id == warned.id
