"""Who may replace a supplier product's SBOM, what another agency sees of it, and answers
about another agency's SBOMs and assets that reveal nothing of theirs (issue 17: 2, 14, 17)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from hub.core.records.intel import IntelSource
from hub.core.settings import Settings
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from tests.conftest import World
from tests.supply.builders import DJANGO_CVE, ROUTER, cyclonedx, osv, write_osv
from tests.supply.test_intake_api import DJANGO_OLD, REQUESTS, feeds, findings, post

__all__ = ["feeds"]  # the fixture, shared with the intake tests

FIRST = "urn:uuid:00000000-0000-4000-8000-0000000000a1"
SECOND = "urn:uuid:00000000-0000-4000-8000-0000000000b2"


def _product(client: FlaskClient, world: World, who: str, serial: str, comps: list) -> object:  # type: ignore[type-arg]
    doc = cyclonedx(comps, serial=serial, subject=ROUTER)
    return post(client, world, who, "/api/v1/products/sboms", doc)


def test_another_agency_cannot_replace_a_product_sbom(
    client: FlaskClient, world: World, feeds: Path
) -> None:
    first = _product(client, world, "agency_a", FIRST, [DJANGO_OLD])
    assert first.status_code == 201, first.get_json()  # type: ignore[attr-defined]
    product_id = first.get_json()["product"]["id"]  # type: ignore[attr-defined]
    deployed = client.post(
        f"/api/v1/systems/{world.system_a}/products",
        json={"product_id": product_id},
        headers=world.auth("agency_a"),
    )
    assert deployed.status_code == 201
    [before] = findings(client, world, product_id=product_id)
    assert before["status"] == "open"
    counts = world.snapshot()

    # Agency B names the same supplier, product and version with a clean component list.
    hijack = _product(client, world, "agency_b", SECOND, [REQUESTS])
    assert hijack.status_code == 403, hijack.get_json()  # type: ignore[attr-defined]
    assert "belongs to another organization" in hijack.get_json()["detail"]  # type: ignore[attr-defined]
    assert world.snapshot() == counts  # nothing written, nothing audited
    [after] = findings(client, world, product_id=product_id)
    assert after["status"] == "open"  # agency A's product findings did not flip to fixed
    history = client.get(f"/api/v1/products/{product_id}/sboms", headers=world.auth("admin"))
    assert [s["current"] for s in history.get_json()["items"]] == [True]

    # The owner and the operator may replace it.
    owner = _product(client, world, "agency_a", SECOND, [REQUESTS])
    assert owner.status_code == 201, owner.get_json()  # type: ignore[attr-defined]
    third = "urn:uuid:00000000-0000-4000-8000-0000000000c3"
    operator = _product(client, world, "admin", third, [DJANGO_OLD])
    assert operator.status_code == 201, operator.get_json()  # type: ignore[attr-defined]


def test_another_agency_sees_a_product_sbom_but_not_who_uploaded_it(
    client: FlaskClient, world: World
) -> None:
    first = _product(client, world, "agency_a", FIRST, [DJANGO_OLD])
    sbom_id = first.get_json()["sbom"]["id"]  # type: ignore[attr-defined]
    mine = client.get(f"/api/v1/sboms/{sbom_id}", headers=world.auth("agency_a")).get_json()
    assert mine["org_id"] == world.agency_a and mine["submitted_by"].startswith("token:")
    theirs = client.get(f"/api/v1/sboms/{sbom_id}", headers=world.auth("agency_b"))
    assert theirs.status_code == 200
    assert theirs.get_json()["org_id"] == "" and theirs.get_json()["submitted_by"] == ""
    soc = client.get(f"/api/v1/sboms/{sbom_id}", headers=world.auth("soc")).get_json()
    assert soc["org_id"] == world.agency_a


def test_not_yours_answers_like_unknown_and_names_nothing_of_theirs(
    client: FlaskClient, world: World
) -> None:
    doc = cyclonedx([DJANGO_OLD])
    sub = post(client, world, "agency_a", f"/api/v1/systems/{world.system_a}/sboms", doc)
    sbom_id = sub.get_json()["sbom"]["id"]
    for path in (f"/api/v1/sboms/{sbom_id}", f"/api/v1/sboms/{sbom_id}/components"):
        theirs = client.get(path, headers=world.auth("agency_b"))
        unknown = client.get(path.replace(sbom_id, "nosuchsbom"), headers=world.auth("agency_b"))
        assert theirs.status_code == unknown.status_code == 404
        text = theirs.get_data(as_text=True)
        assert world.system_a not in text and world.agency_a not in text
        assert theirs.get_json()["detail"] == unknown.get_json()["detail"].replace(
            "nosuchsbom", sbom_id
        )
    got = client.get(
        "/api/v1/findings", query_string={"asset_id": world.asset_a}, headers=world.auth("agency_b")
    )
    unknown = client.get(
        "/api/v1/findings", query_string={"asset_id": "nosuchasset"}, headers=world.auth("agency_b")
    )
    assert got.status_code == unknown.status_code == 404, got.get_json()
    assert world.agency_a not in got.get_data(as_text=True)


def test_every_component_the_matcher_skips_is_shown_with_its_reason(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    bad = osv("PYSEC-2021-371", "PyPI", "django", "0", "0.2.0-n653", aliases=("CVE-2021-9",))
    good = osv("PYSEC-2023-1", "PyPI", "django", "0", "4.2.7", aliases=(DJANGO_CVE,))
    register(world.store, IntelSource.OSV, str(write_osv(tmp_path / "o", bad, good)), "t", "t")
    refresh(world.store, settings, "t")
    weird = ("thing", "1.0", "pkg:conan/thing@1.0")
    doc = cyclonedx([DJANGO_OLD, weird])
    sub = post(client, world, "agency_a", f"/api/v1/systems/{world.system_a}/sboms", doc)
    body = sub.get_json()
    assert body["findings"]["opened"] == 1  # the valid advisory still matched
    reasons = {k["purl"]: k["reason"] for k in body["not_matched"]}
    assert body["unmatched"] == len(body["not_matched"]) == len(reasons) == 3
    assert "PYSEC-2021-371 not evaluated" in reasons["pkg:pypi/django@4.2.6"]
    assert "no advisory ecosystem" in reasons["pkg:conan/thing@1.0"]
    assert "pkg:generic/agency-a/portal@3.2" in reasons  # the document's own subject
    later = client.get(
        f"/api/v1/sboms/{body['sbom']['id']}/unmatched", headers=world.auth("agency_a")
    )
    assert {k["purl"] for k in later.get_json()["items"]} == set(reasons)
