"""POST /api/v1/inventory on both stores: assets from batches, exactly-once, refusals that
store nothing, findings from the asset's own software, stale assets, shared images."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient

from collectors import wire
from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from hub.core.records.intel import IntelRecord, IntelSource
from hub.core.settings import Settings
from hub.core.store.interface import ASSETS
from hub.intelligence.feeds import register
from hub.intelligence.matching import intel_view
from hub.inventory.refresh import refresh
from tests.conftest import World
from tests.supply.builders import osv, write_osv

LIBSSL = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
CURL = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"
NOW = datetime.now(UTC).replace(microsecond=0)


def batch(
    system_id: str,
    ident: str = "host-1",
    packages: tuple[str, ...] = (LIBSSL, CURL),
    at: datetime = NOW,
) -> wire.Inventory:
    h = Host(
        ident,
        f"{ident}.agency.go.jp",
        Distro("debian", "12", (), "Debian 12"),
        "6.1.0-18-amd64",
        ("10.1.2.3",),
    )
    return document(system_id, h, [FoundPackage(p, "dpkg") for p in packages], collected_at=at)


def send(  # type: ignore[no-untyped-def]
    client: FlaskClient,
    world: World,
    doc: Mapping[str, object],
    who: str = "agency_a",
    gz: bool = False,
    headers: dict[str, str] | None = None,
):
    body = json.dumps(doc).encode()
    hdrs = {**world.auth(who), "Content-Type": "application/json", **(headers or {})}
    if gz:
        body = gzip.compress(body)
        hdrs["Content-Encoding"] = "gzip"
    return client.post("/api/v1/inventory", data=body, headers=hdrs)


def openssl_advisory(tmp_path: Path, world: World, settings: Settings) -> None:
    write_osv(
        tmp_path / "osv",
        osv(
            "DSA-9999-1",
            "Debian:12",
            "openssl",
            "0",
            "3.0.13-1~deb12u1",
            aliases=("CVE-2026-0001",),
        ),
    )
    register(world.store, IntelSource.OSV, str(tmp_path / "osv"), "t", "cli:tests")
    refresh(world.store, settings, "t")


def test_a_batch_makes_the_asset_its_findings_and_telemetry_once(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    openssl_advisory(tmp_path, world, settings)
    doc = batch(world.system_a)
    doc["checks"] = [
        {
            "id": "deb-aslr",
            "policy": "p",
            "title": "ASLR",
            "severity": "high",
            "status": "fail",
            "detail": "kernel.randomize_va_space = 0",
        }
    ]
    first = send(client, world, doc, gz=True, headers={"Idempotency-Key": doc["batch_id"]})
    assert first.status_code == 201, first.get_json()
    receipt = first.get_json()
    assert (receipt["packages"], receipt["added"], receipt["findings_opened"]) == (2, 2, 1)
    asset = client.get(
        f"/api/v1/assets/{receipt['asset_id']}", headers=world.auth("soc")
    ).get_json()
    assert asset["identifier"] == "host-1" and asset["stale"] is False
    assert datetime.fromisoformat(asset["last_seen"]) == NOW
    [finding] = client.get(
        "/api/v1/findings", query_string={"asset_id": asset["id"]}, headers=world.auth("soc")
    ).get_json()["items"]
    assert (finding["vuln_id"], finding["purl"], finding["fixed_in"]) == (
        "CVE-2026-0001",
        LIBSSL,
        ["3.0.13-1~deb12u1"],
    )
    tele = client.get(f"/api/v1/assets/{asset['id']}/telemetry", headers=world.auth("soc"))
    assert tele.get_json()["checks_failed"] == 1 and tele.get_json()["kernel"] == "6.1.0-18-amd64"

    before = world.snapshot()
    again = send(client, world, doc)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert world.snapshot() == before
    doc2 = dict(doc, packages=[{"purl": CURL, "source": "dpkg"}])
    clash = send(client, world, doc2)
    assert clash.status_code == 409 and world.snapshot() == before

    # A later batch without libssl fixes the finding; a late older batch changes nothing.
    newer = batch(world.system_a, packages=(CURL,), at=NOW + timedelta(hours=1))
    got = send(client, world, newer).get_json()
    assert (got["removed"], got["findings_fixed"]) == (1, 1)
    late = batch(world.system_a, at=NOW - timedelta(hours=1))
    assert send(client, world, late).status_code == 201
    pkgs = client.get(f"/api/v1/assets/{asset['id']}/packages", headers=world.auth("soc"))
    assert [p["purl"] for p in pkgs.get_json()["items"]] == [CURL]
    assert world.store.get_asset(asset["id"]).last_seen == NOW + timedelta(hours=1)  # type: ignore[union-attr]
    assert len(world.store.list_batches(asset_id=asset["id"])) == 3


def test_refusals_store_nothing(client: FlaskClient, world: World) -> None:
    before = world.snapshot()
    good = batch(world.system_a)
    assert send(client, world, good, who="revoked").status_code == 401
    assert send(client, world, good, who="partner").status_code == 403
    assert send(client, world, batch(world.system_b)).status_code in (403, 404)
    bad_purl = dict(good, packages=[{"purl": "not-a-purl", "source": "dpkg"}])
    refused = send(client, world, bad_purl)
    assert refused.status_code == 422 and "packages.0" in refused.get_json()["detail"]
    no_host = {k: v for k, v in good.items() if k != "host"}
    refused = send(client, world, no_host)
    assert refused.status_code == 422 and "host" in refused.get_json()["detail"]
    wrong_schema = dict(good, schema="crsa-inventory/9")
    assert send(client, world, wrong_schema).status_code == 422
    key = send(client, world, good, headers={"Idempotency-Key": "another-key-123"})
    assert key.status_code == 422 and "Idempotency-Key" in key.get_json()["detail"]
    huge = dict(good, processes=[{"pid": n, "name": "x" * 200} for n in range(400)])
    assert send(client, world, huge).status_code == 413  # tests run with a 64 KiB limit
    bomb = gzip.compress(b"{" + b" " * (10 * 1024 * 1024) + b"}")
    got = client.post(
        "/api/v1/inventory",
        data=bomb,
        headers={
            **world.auth("agency_a"),
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert got.status_code == 413 and "inflates" in got.get_json()["detail"]
    got = client.post(
        "/api/v1/inventory",
        data=b"x",
        headers={
            **world.auth("agency_a"),
            "Content-Type": "application/json",
            "Content-Encoding": "br",
        },
    )
    assert got.status_code == 415
    assert world.snapshot() == before


def test_stale_assets_and_shared_images(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    openssl_advisory(tmp_path, world, settings)
    old = send(client, world, batch(world.system_a, "old-host", at=NOW - timedelta(days=30)))
    fresh = send(client, world, batch(world.system_a, "fresh-host"))
    view = intel_view(world.store)
    hits = view.memo_hits
    for n in range(3):  # three more hosts of the same image: one software set
        assert send(client, world, batch(world.system_a, f"clone-{n}")).status_code == 201
    assert intel_view(world.store).memo_hits == hits + 3
    stale = client.get(
        "/api/v1/assets", query_string={"stale": "true"}, headers=world.auth("agency_a")
    ).get_json()["items"]
    ids = {a["id"] for a in stale}
    assert old.get_json()["asset_id"] in ids and fresh.get_json()["asset_id"] not in ids
    assert world.asset_a in ids  # registered by hand, never seen by a collector
    assert all(a["stale"] for a in stale)
    opened = client.get(
        "/api/v1/findings", query_string={"vuln_id": "CVE-2026-0001"}, headers=world.auth("soc")
    ).get_json()["items"]
    assert len(opened) == 5  # every host of the image has its own finding


def test_a_new_advisory_reaches_only_the_hosts_running_its_package(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    openssl_advisory(tmp_path, world, settings)
    web = send(client, world, batch(world.system_a, "web-1")).get_json()["asset_id"]
    py = send(client, world, batch(world.system_a, "py-1", ("pkg:pypi/flask@2.0.0",)))
    assert py.status_code == 201
    write_osv(
        tmp_path / "osv",
        osv(
            "DSA-9999-2", "Debian:12", "curl", "0", "7.88.1-10+deb12u8", aliases=("CVE-2026-0002",)
        ),
    )
    _, report = refresh(world.store, settings, "t2")
    assert report is not None and report.assets == 1  # only web-1 runs curl
    found = client.get(
        "/api/v1/findings", query_string={"vuln_id": "CVE-2026-0002"}, headers=world.auth("soc")
    ).get_json()["items"]
    assert [(f["asset_id"], f["status"]) for f in found] == [(web, "open")]
    kev = tmp_path / "kev.json"
    kev.write_bytes(b'{"vulnerabilities": [{"cveID": "CVE-2026-0002", "dueDate": "2026-12-24"}]}')
    register(world.store, IntelSource.KEV, str(kev), "t", "cli:tests")
    _, report = refresh(world.store, settings, "t3")
    assert report is not None and report.assets == len(list(world.store.iter_all(ASSETS)))
    [f] = client.get(
        "/api/v1/findings", query_string={"vuln_id": "CVE-2026-0002"}, headers=world.auth("soc")
    ).get_json()["items"]
    assert (f["kev"], f["kev_due"]) == (True, "2026-12-24")


def test_a_set_matched_before_is_enriched_again_when_intelligence_changes(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    """Issue 20 keeps what a software set matched, rated and enriched with the view of the
    intelligence. A KEV record written by another process (here straight into the store:
    no re-match runs) must reach the next host of that set: the store's intel stamp moved."""
    openssl_advisory(tmp_path, world, settings)
    assert send(client, world, batch(world.system_a, "clone-1")).status_code == 201
    kev = IntelRecord.of(IntelSource.KEV, "CVE-2026-0001", {"cveID": "CVE-2026-0001"})
    with world.store.transaction() as tx:
        tx.put_intel([kev])
    clone = send(client, world, batch(world.system_a, "clone-2")).get_json()["asset_id"]
    [f] = client.get(
        "/api/v1/findings", query_string={"asset_id": clone}, headers=world.auth("soc")
    ).get_json()["items"]
    assert (f["vuln_id"], f["kev"]) == ("CVE-2026-0001", True)


def test_a_known_host_may_leave_out_its_system(client: FlaskClient, world: World) -> None:
    first = send(client, world, batch(world.system_a, "roaming-1")).get_json()
    later = batch(world.system_a, "roaming-1", at=NOW + timedelta(hours=1))
    del later["system_id"]
    got = send(client, world, later)
    assert got.status_code == 201 and got.get_json()["asset_id"] == first["asset_id"]
    unknown = batch(world.system_a, "never-seen")
    del unknown["system_id"]
    refused = send(client, world, unknown)
    assert refused.status_code == 422 and "not known to the hub" in refused.get_json()["detail"]
    # Agency B cannot claim agency A's host by leaving the system out.
    assert send(client, world, later, who="agency_b").status_code == 422


def test_the_hub_never_shows_a_value_that_looks_like_its_token(
    client: FlaskClient, world: World
) -> None:
    """Issue 17, item 4: an older collector reported its own `--token`; analysts,
    auditors and admins could read a working agency write token in telemetry."""
    token = world.tokens["agency_a"]
    doc = batch(world.system_a)
    doc["processes"] = [
        {"pid": 7, "name": "python3", "cmdline": f"crsa collect endpoint --token {token}"},
        {"pid": 8, "name": "curl", "cmdline": f"curl -H 'Authorization: Bearer {token}' x"},
        {"pid": 9, "name": "app", "cmdline": f"app --key-store=/x CRSA={token}"},
    ]
    assert send(client, world, doc).status_code in (200, 201)
    [asset] = [
        a for a in world.store.list_assets(system_id=world.system_a) if a.identifier == "host-1"
    ]
    for who in ("admin", "soc", "auditor", "agency_a"):
        got = client.get(f"/api/v1/assets/{asset.id}/telemetry", headers=world.auth(who))
        assert got.status_code == 200
        assert token not in got.get_data(as_text=True)
        assert token[5:] not in got.get_data(as_text=True)
    shown = [p["cmdline"] for p in got.get_json()["processes"]]
    assert shown[0] == "crsa collect endpoint --token ***"


def test_telemetry_stored_before_the_scrub_is_shown_without_secrets(
    client: FlaskClient, world: World
) -> None:
    """A hub upgraded from a release that stored command lines as sent still never shows
    a value that looks like one of its tokens."""
    token = world.tokens["agency_a"]
    assert send(client, world, batch(world.system_a, ident="old-host")).status_code in (200, 201)
    [asset] = [
        a for a in world.store.list_assets(system_id=world.system_a) if a.identifier == "old-host"
    ]
    stored = world.store.get_telemetry(asset.id)
    assert stored is not None
    leaked = {"pid": 1, "name": "python3", "cmdline": f"crsa collect --token {token}"}
    with world.store.transaction() as tx:  # as the older release wrote it
        tx.put_telemetry(replace(stored, data={**stored.data, "processes": [leaked]}))
    got = client.get(f"/api/v1/assets/{asset.id}/telemetry", headers=world.auth("soc"))
    assert token not in got.get_data(as_text=True)
    assert got.get_json()["processes"][0]["cmdline"] == "crsa collect --token ***"
