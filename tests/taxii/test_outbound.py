"""STIX out on both stores: the hub publishes its identity and the exploited or critical
vulnerabilities open in agencies, counted and never named, valid by the OASIS validator,
and a second publish with nothing new writes nothing."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from stix2validator import ValidationOptions, validate_instance

from hub.auth import Principal
from hub.model import OrgKind, Severity, utcnow
from hub.sharing.desk import SharingDesk
from hub.sharing.outbound import publish, stix_id
from tests.conftest import World
from tests.scoring.test_continuous import put, vuln
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
