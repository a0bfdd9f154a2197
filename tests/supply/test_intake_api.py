"""SBOM intake end to end through the API, on both stores: findings, replays, history,
diffs, refusals that leave nothing behind, products joined to systems and hosts, VEX."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hub.core.records.intel import IntelSource
from hub.core.settings import Settings
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from tests.conftest import World
from tests.supply.builders import (
    DJANGO_CVE,
    DJANGO_GHSA,
    JVN_RSS,
    ROUTER,
    ROUTER_PURL,
    cyclonedx,
    django_advisory,
    epss_csv,
    kev_catalog,
    openvex,
    osv,
    write_osv,
)

CDX = {"Content-Type": "application/vnd.cyclonedx+json"}
DJANGO_OLD = ("django", "4.2.6", "pkg:pypi/django@4.2.6")
DJANGO_NEW = ("django", "4.2.7", "pkg:pypi/django@4.2.7")
REQUESTS = ("requests", "2.31.0", "pkg:pypi/requests@2.31.0")


@pytest.fixture
def feeds(world: World, tmp_path: Path, settings: Settings) -> Path:
    """OSV, KEV and EPSS files registered and synced, as `crsa feeds sync` would."""
    osv_dir = write_osv(tmp_path / "osv", django_advisory())
    kev = tmp_path / "kev.json"
    kev.write_bytes(kev_catalog((DJANGO_CVE, "2026-12-01")))
    epss = tmp_path / "epss.csv"
    epss.write_bytes(epss_csv((DJANGO_CVE, 0.42)))
    for source, where in (
        (IntelSource.OSV, osv_dir),
        (IntelSource.KEV, kev),
        (IntelSource.EPSS, epss),
    ):
        register(world.store, source, str(where), "t", "cli:tests")
    results, _ = refresh(world.store, settings, "t")
    assert [r.written for r in results] == [1, 1, 1]
    return osv_dir


def post(client: FlaskClient, world: World, who: str, path: str, data: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(path, data=data, headers={**world.auth(who), **CDX, **headers})


def findings(client: FlaskClient, world: World, **query: str) -> list[dict[str, object]]:
    got = client.get("/api/v1/findings", query_string=query, headers=world.auth("admin"))
    assert got.status_code == 200, got.get_json()
    items: list[dict[str, object]] = got.get_json()["items"]
    return items


def test_submission_creates_enriched_findings_and_a_replay_changes_nothing(
    client: FlaskClient, world: World, feeds: Path
) -> None:
    doc = cyclonedx([DJANGO_OLD, REQUESTS])
    path = f"/api/v1/systems/{world.system_a}/sboms"
    first = post(client, world, "agency_a", path, doc)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["changed"] is True and body["sbom"]["current"] is True
    assert body["sbom"]["components"] == 3 and body["sbom"]["format"] == "CycloneDX"
    assert body["sbom"]["quality"]["score"] == 100.0 and body["sbom"]["quality"]["missing"] == []
    assert body["findings"] == {"scopes": 1, "opened": 1, "fixed": 0}

    [f] = findings(client, world, system_id=world.system_a)
    assert f["vuln_id"] == DJANGO_CVE and f["aliases"] == [DJANGO_GHSA]
    assert f["purl"] == "pkg:pypi/django@4.2.6" and f["asset_id"] == ""
    assert (f["severity"], f["cvss"]) == ("high", 7.5)
    assert (f["kev"], f["kev_due"], f["epss"]) == (True, "2026-12-01", 0.42)
    assert f["status"] == "open" and f["fixed_in"] == ["4.2.7"]
    assert f["sbom_id"] == body["sbom"]["id"]

    before = world.snapshot()
    again = post(client, world, "agency_a", path, doc)
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert again.get_json()["sbom"]["id"] == body["sbom"]["id"]
    assert world.snapshot() == before


def test_new_version_becomes_current_keeps_history_and_fixes_findings(
    client: FlaskClient, world: World, feeds: Path
) -> None:
    path = f"/api/v1/systems/{world.system_a}/sboms"
    old = post(client, world, "agency_a", path, cyclonedx([DJANGO_OLD, REQUESTS])).get_json()
    new = post(
        client,
        world,
        "agency_a",
        path,
        cyclonedx([DJANGO_NEW, ("jinja2", "3.1.4", "pkg:pypi/jinja2@3.1.4")], version=2),
    ).get_json()
    assert new["findings"] == {"scopes": 1, "opened": 0, "fixed": 1}
    history = client.get(path, headers=world.auth("soc")).get_json()["items"]
    assert [(h["id"], h["current"]) for h in history] == [
        (old["sbom"]["id"], False),
        (new["sbom"]["id"], True),
    ]
    [f] = findings(client, world, system_id=world.system_a)
    assert f["status"] == "fixed" and f["fixed_at"] is not None

    diff = client.get(
        f"/api/v1/sboms/{new['sbom']['id']}/diff",
        query_string={"against": old["sbom"]["id"]},
        headers=world.auth("agency_a"),
    ).get_json()
    assert [p["purl"] for p in diff["added"]] == ["pkg:pypi/jinja2@3.1.4"]
    assert [p["purl"] for p in diff["removed"]] == ["pkg:pypi/requests@2.31.0"]
    assert [(c["old"]["version"], c["new"]["version"]) for c in diff["changed"]] == [
        ("4.2.6", "4.2.7")
    ]
    assert diff["fixed"] == [{"vuln_id": DJANGO_CVE, "purl": "pkg:pypi/django"}]
    assert diff["introduced"] == []
    components = client.get(
        f"/api/v1/sboms/{old['sbom']['id']}/components", headers=world.auth("auditor")
    ).get_json()["items"]
    assert [c["purl"] for c in components] == [
        "pkg:generic/agency-a/portal@3.2",  # the subject itself, from metadata.component
        "pkg:pypi/django@4.2.6",
        "pkg:pypi/requests@2.31.0",
    ]


def test_refused_documents_name_the_problem_and_leave_nothing(
    client: FlaskClient, world: World
) -> None:
    path = f"/api/v1/systems/{world.system_a}/sboms"
    before = world.snapshot()
    invalid = json.loads(cyclonedx([REQUESTS]))
    invalid["components"][0]["type"] = "spaceship"
    refused = post(client, world, "agency_a", path, json.dumps(invalid).encode())
    assert refused.status_code == 422
    err = refused.get_json()
    assert err["violations"][0]["location"] == "/components/0/type"
    assert "spaceship" in err["violations"][0]["message"]

    old_spec = json.loads(cyclonedx([REQUESTS]))
    old_spec["specVersion"] = "1.1"
    unsupported = post(client, world, "agency_a", path, json.dumps(old_spec).encode())
    assert unsupported.status_code == 422
    assert "CycloneDX 1.1 is not supported" in unsupported.get_json()["detail"]

    wrong_type = post(client, world, "agency_a", path, b"hello", **{"Content-Type": "image/png"})
    assert wrong_type.status_code == 415
    broken = post(client, world, "agency_a", path, b'{"bomFormat": "CycloneDX",')
    assert broken.status_code == 422 and "malformed JSON" in broken.get_json()["detail"]
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaa">]>'
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6">&a;</bom>'
    )
    xml = post(
        client, world, "agency_a", path, bomb, **{"Content-Type": "application/vnd.cyclonedx+xml"}
    )
    assert xml.status_code == 422 and "DOCTYPE" in xml.get_json()["detail"]
    other = post(client, world, "agency_b", path, cyclonedx([REQUESTS]))
    assert other.status_code in (403, 404)
    partner = post(client, world, "partner", path, cyclonedx([REQUESTS]))
    assert partner.status_code == 403
    assert world.snapshot() == before


def test_component_and_size_limits_are_settings(world: World, tmp_path: Path) -> None:
    from hub.web.app import create_app

    path = f"/api/v1/systems/{world.system_a}/sboms"
    before = world.snapshot()
    roomy = Settings(home=tmp_path, max_sbom_components=1)
    client = create_app(roomy, store=world.store).test_client()
    refused = post(client, world, "agency_a", path, cyclonedx([REQUESTS, DJANGO_NEW]))
    assert refused.status_code == 413
    assert "2 components, more than the limit of 1" in refused.get_json()["detail"]
    big = Settings(home=tmp_path, max_sbom_bytes=100)
    client = create_app(big, store=world.store).test_client()
    assert post(client, world, "agency_a", path, cyclonedx([REQUESTS])).status_code == 413
    assert world.snapshot() == before


def test_multipart_upload_and_spdx_tag_value(client: FlaskClient, world: World) -> None:
    path = f"/api/v1/systems/{world.system_a}/sboms"
    upload = client.post(
        path,
        data={"file": (io.BytesIO(cyclonedx([REQUESTS])), "bom.json")},
        headers=world.auth("agency_a"),
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    tag_value = "\n".join(
        [
            "SPDXVersion: SPDX-2.3",
            "DataLicense: CC0-1.0",
            "SPDXID: SPDXRef-DOCUMENT",
            "DocumentName: portal",
            "DocumentNamespace: https://example.gov/spdx/portal-1",
            "Creator: Tool: build-1.0",
            "Created: 2026-11-01T09:00:00Z",
            "",
            "PackageName: requests",
            "SPDXID: SPDXRef-requests",
            "PackageVersion: 2.31.0",
            "PackageSupplier: Organization: PSF",
            "PackageDownloadLocation: NOASSERTION",
            "FilesAnalyzed: false",
            "ExternalRef: PACKAGE-MANAGER purl pkg:pypi/requests@2.31.0",
            "",
            "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-requests",
        ]
    )
    spdx = post(
        client, world, "agency_a", path, tag_value.encode(), **{"Content-Type": "text/spdx"}
    )
    assert spdx.status_code == 201, spdx.get_json()
    sbom = spdx.get_json()["sbom"]
    assert (sbom["format"], sbom["spec_version"], sbom["encoding"]) == ("SPDX", "2.3", "tag-value")
    assert sbom["quality"]["missing"] == ["dependency relationships"]


def test_product_findings_reach_deploying_systems_and_hosts_running_it(
    client: FlaskClient, world: World, feeds: Path
) -> None:
    router = ROUTER
    sub = post(
        client,
        world,
        "agency_a",
        "/api/v1/products/sboms",
        cyclonedx(
            [DJANGO_OLD], serial="urn:uuid:00000000-0000-4000-8000-000000000001", subject=router
        ),
    )
    assert sub.status_code == 201, sub.get_json()
    product = sub.get_json()["product"]
    assert (product["supplier"], product["name"], product["version"]) == ("ACME", "Router", "7.1")
    assert sub.get_json()["findings"]["scopes"] == 0  # nobody runs it yet

    # A host in agency B's system reports the router in its inventory: it inherits at once
    # when the product's findings are next matched (deploying triggers that for a system).
    host = client.patch(
        f"/api/v1/assets/{world.asset_b}",
        json={"packages": [{"purl": ROUTER_PURL}]},
        headers=world.auth("agency_b"),
    )
    assert host.status_code == 200
    [inherited] = findings(client, world, asset_id=world.asset_b)
    assert (inherited["product_id"], inherited["vuln_id"]) == (product["id"], DJANGO_CVE)
    deployed = client.post(
        f"/api/v1/systems/{world.system_b}/products",
        json={"product_id": product["id"]},
        headers=world.auth("agency_b"),
    )
    assert deployed.status_code == 201, deployed.get_json()
    again = client.post(
        f"/api/v1/systems/{world.system_b}/products",
        json={"product_id": product["id"]},
        headers=world.auth("agency_b"),
    )
    assert again.status_code == 200
    got = findings(client, world, product_id=product["id"])
    assert {(f["system_id"], f["asset_id"]) for f in got} == {
        (world.system_b, ""),
        (world.system_b, world.asset_b),
    }
    assert {f["vuln_id"] for f in got} == {DJANGO_CVE}
    # Agency A sees none of agency B's findings.
    mine = client.get("/api/v1/findings", headers=world.auth("agency_a")).get_json()["items"]
    assert all(f["org_id"] == world.agency_a for f in mine)

    # The supplier says the product never calls the vulnerable code: suppressed everywhere.
    vex = client.post(
        f"/api/v1/products/{product['id']}/vex",
        data=openvex(
            DJANGO_CVE,
            "pkg:pypi/django@4.2.6",
            "not_affected",
            "vulnerable_code_not_in_execute_path",
        ),
        headers={**world.auth("admin"), "Content-Type": "application/json"},
    )
    assert vex.status_code == 201, vex.get_json()
    assert vex.get_json()["findings"]["scopes"] == 2
    got = findings(client, world, product_id=product["id"])
    assert {(f["status"], f["vex"], f["justification"]) for f in got} == {
        ("suppressed", "not_affected", "vulnerable_code_not_in_execute_path")
    }
    # The host drops the router from its inventory: what it inherited is fixed.
    client.patch(
        f"/api/v1/assets/{world.asset_b}", json={"packages": []}, headers=world.auth("agency_b")
    )
    [gone] = findings(client, world, asset_id=world.asset_b)
    assert gone["status"] == "fixed"
    forbidden = client.post(
        f"/api/v1/products/{product['id']}/vex",
        data=openvex(DJANGO_CVE, "pkg:pypi/django@4.2.6", "not_affected", "component_not_present"),
        headers={**world.auth("agency_a"), "Content-Type": "application/json"},
    )
    assert forbidden.status_code == 403


def test_cyclonedx_analysis_in_the_sbom_suppresses_with_its_justification(
    client: FlaskClient, world: World, feeds: Path
) -> None:
    analysis = [
        {
            "id": DJANGO_CVE,
            "analysis": {
                "state": "not_affected",
                "justification": "code_not_reachable",
                "detail": "NFKC path unused",
            },
            "affects": [{"ref": "pkg:pypi/django@4.2.6"}],
        }
    ]
    path = f"/api/v1/systems/{world.system_a}/sboms"
    doc = cyclonedx([DJANGO_OLD], vulnerabilities=analysis)
    assert post(client, world, "agency_a", path, doc).status_code == 201
    [f] = findings(client, world, system_id=world.system_a)
    assert (f["status"], f["vex"], f["justification"]) == (
        "suppressed",
        "not_affected",
        "code_not_reachable",
    )
    # A later OpenVEX statement from the agency re-opens it as affected.
    vex = client.post(
        f"/api/v1/systems/{world.system_a}/vex",
        data=openvex(DJANGO_CVE, "pkg:pypi/django", "affected"),
        headers={**world.auth("agency_a"), "Content-Type": "application/json"},
    )
    assert vex.status_code == 201, vex.get_json()
    [f] = findings(client, world, system_id=world.system_a)
    assert (f["status"], f["vex"]) == ("open", "affected")


def test_a_new_advisory_creates_findings_without_resubmission(
    client: FlaskClient, world: World, feeds: Path, settings: Settings
) -> None:
    path = f"/api/v1/systems/{world.system_a}/sboms"
    assert (
        post(client, world, "agency_a", path, cyclonedx([DJANGO_NEW, REQUESTS])).status_code == 201
    )
    assert findings(client, world, system_id=world.system_a) == []
    write_osv(
        feeds,
        osv(
            "GHSA-9wx4-h78v-vm56",
            "PyPI",
            "requests",
            "0",
            "2.32.0",
            aliases=("CVE-2024-35195",),
            vector="CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
        ),
    )
    results, report = refresh(world.store, settings, "t2")
    assert [r.written for r in results] == [1, 0, 0]  # only the new advisory was written
    assert [r.unchanged for r in results] == [False, True, True]
    assert report is not None and report.opened == 1
    [f] = findings(client, world, system_id=world.system_a)
    assert (f["vuln_id"], f["severity"], f["kev"]) == ("CVE-2024-35195", "medium", False)
    # Nothing changed since: a sync costs no writes and no re-match.
    before = world.snapshot()
    results, report = refresh(world.store, settings, "t3")
    assert report is None and all(r.unchanged for r in results)
    assert world.snapshot() == before


def test_jvn_rates_and_names_a_finding_its_osv_advisory_leaves_unrated(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    advisories = write_osv(
        tmp_path / "osv2",
        osv("PYSEC-2026-1", "PyPI", "requests", "2.0", "2.32.4", aliases=("CVE-2026-10001",)),
    )
    jvn = tmp_path / "jvndb_new.rdf"
    jvn.write_text(JVN_RSS, encoding="utf-8")
    register(world.store, IntelSource.OSV, str(advisories), "t", "cli:tests")
    register(world.store, IntelSource.JVN, str(jvn), "t", "cli:tests")
    refresh(world.store, settings, "t")
    path = f"/api/v1/systems/{world.system_a}/sboms"
    assert post(client, world, "agency_a", path, cyclonedx([REQUESTS])).status_code == 201
    [f] = findings(client, world, system_id=world.system_a)
    assert f["vuln_id"] == "CVE-2026-10001"
    assert f["aliases"] == ["JVNDB-2026-000101", "PYSEC-2026-1"]
    assert (f["severity"], f["cvss"]) == ("critical", 9.1)
    assert f["summary"] == "requests flaw"  # OSV's own summary comes first


def test_same_identity_with_other_components_is_a_conflict(
    client: FlaskClient, world: World
) -> None:
    path = f"/api/v1/systems/{world.system_a}/sboms"
    assert post(client, world, "agency_a", path, cyclonedx([REQUESTS])).status_code == 201
    before = world.snapshot()
    clash = post(client, world, "agency_a", path, cyclonedx([DJANGO_NEW]))
    assert clash.status_code == 409
    assert "higher version" in clash.get_json()["hint"] or "new version" in clash.get_json()["hint"]
    assert world.snapshot() == before
    # The same document re-serialized (other whitespace) is the same submission.
    pretty = json.dumps(json.loads(cyclonedx([REQUESTS])), indent=2).encode()
    assert post(client, world, "agency_a", path, pretty).status_code == 200
    assert world.snapshot() == before
