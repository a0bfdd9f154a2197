"""TAXII 2.1 conformance on both stores: every endpoint and filter, pagination, versions,
status, delete, content negotiation, auth and rights, and TLP on every read path."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from stix2validator import ValidationOptions, validate_instance

from hub.core.auth import Principal
from hub.core.registry import Registry
from hub.core.store.interface import TAXII_COLLECTIONS
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp, definition
from tests.conftest import World

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/crsa"


def indicator(
    n: int, *, modified: str = "2026-01-01T00:00:00.000Z", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": f"bad address {n}",
        "description": "seen scanning agencies",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **extra,
    }


def basic(world: World, who: str) -> dict[str, str]:
    raw = base64.b64encode(f"{who}:{world.tokens[who]}".encode()).decode()
    return {"Authorization": f"Basic {raw}", "Accept": TAXII}


def bearer(world: World, who: str) -> dict[str, str]:
    return {**world.auth(who), "Accept": TAXII}


@pytest.fixture
def collection(world: World) -> str:
    desk = SharingDesk(world.store)
    made = desk.add_collection(
        Principal.operator("tests"),
        "Partner indicators",
        "t",
        description="indicators shared with ISAC partners",
        readers=[world.partner, world.agency_a],
        writers=[world.partner, world.agency_a],
        default_tlp="green",
    )
    return made.id


def post(client: FlaskClient, world: World, who: str, cid: str, objects: list[Any]) -> Any:
    return client.post(
        f"{ROOT}/collections/{cid}/objects/",
        data=json.dumps({"objects": objects}),
        headers={**basic(world, who), "Content-Type": TAXII},
    )


def test_discovery_api_root_and_collections(
    client: FlaskClient, world: World, collection: str
) -> None:
    found = client.get("/taxii2/", headers=basic(world, "partner"))
    assert found.status_code == 200 and found.content_type == TAXII
    assert found.get_json()["default"].endswith("/taxii2/crsa/")
    root = client.get(f"{ROOT}/", headers=bearer(world, "partner")).get_json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0
    listed = client.get(f"{ROOT}/collections/", headers=basic(world, "partner")).get_json()
    [c] = listed["collections"]
    assert (c["id"], c["can_read"], c["can_write"]) == (collection, True, True)
    assert c["media_types"] == ["application/stix+json;version=2.1"]
    one = client.get(f"{ROOT}/collections/{collection}/", headers=basic(world, "partner"))
    assert one.get_json()["title"] == "Partner indicators"
    # An organization without rights does not see the collection at all.
    assert client.get(f"{ROOT}/collections/", headers=basic(world, "agency_b")).get_json() == {}
    hidden = client.get(f"{ROOT}/collections/{collection}/", headers=basic(world, "agency_b"))
    assert hidden.status_code == 404 and hidden.content_type == TAXII
    assert hidden.get_json()["http_status"] == "404"


def test_auth_negotiation_and_error_resources(
    client: FlaskClient, world: World, collection: str
) -> None:
    none = client.get(f"{ROOT}/collections/", headers={"Accept": TAXII})
    assert none.status_code == 401 and none.content_type == TAXII
    assert "Basic" in none.headers["WWW-Authenticate"]
    wrong = client.get(f"{ROOT}/", headers={"Authorization": "Basic eDp5", "Accept": TAXII})
    assert wrong.status_code == 401
    revoked = client.get(f"{ROOT}/", headers=basic(world, "revoked"))
    assert revoked.status_code == 401
    xml = client.get(f"{ROOT}/", headers={**basic(world, "partner"), "Accept": "application/xml"})
    assert xml.status_code == 406 and xml.get_json()["http_status"] == "406"
    assert (
        client.get(f"{ROOT}/", headers={**basic(world, "partner"), "Accept": "*/*"}).status_code
        == 200
    )
    plain = client.post(
        f"{ROOT}/collections/{collection}/objects/",
        data=json.dumps({"objects": [indicator(1)]}),
        headers={**basic(world, "partner"), "Content-Type": "application/json"},
    )
    assert plain.status_code == 415 and plain.content_type == TAXII
    assert client.get("/taxii2/nope/", headers=basic(world, "partner")).status_code == 404
    bad = client.get(
        f"{ROOT}/collections/{collection}/objects/?limit=zero", headers=basic(world, "partner")
    )
    assert bad.status_code == 400 and "limit" in bad.get_json()["title"]
    for query in ("added_after=yesterday", "next=garbage!", "match[colour]=red"):
        refused = client.get(
            f"{ROOT}/collections/{collection}/objects/?{query}", headers=basic(world, "partner")
        )
        assert refused.status_code == 400, query
    # A reader without write rights is refused a POST with 403.
    desk = SharingDesk(world.store)
    ro = desk.add_collection(
        Principal.operator("t"), "read only", "t", readers=[world.partner], writers=[]
    )
    assert post(client, world, "partner", ro.id, [indicator(1)]).status_code == 403


def test_post_keeps_valid_objects_and_names_each_refusal(
    client: FlaskClient, world: World, collection: str
) -> None:
    broken = indicator(2)
    del broken["created"]
    bad_pattern = indicator(3, pattern="[ipv4-addr:value = ")
    sent = post(client, world, "partner", collection, [indicator(1), broken, bad_pattern, 7])
    assert sent.status_code == 202, sent.get_json()
    status = sent.get_json()
    assert (status["status"], status["total_count"]) == ("complete", 4)
    assert (status["success_count"], status["failure_count"], status["pending_count"]) == (1, 3, 0)
    reasons = {f["id"]: f["message"] for f in status["failures"]}
    assert "'created' is a required property" in reasons[broken["id"]]
    assert "Pattern" in reasons[bad_pattern["id"]]
    assert reasons[""] == "not a JSON object"
    again = client.get(f"{ROOT}/status/{status['id']}/", headers=basic(world, "partner"))
    assert again.status_code == 200 and again.get_json()["successes"][0]["id"] == indicator(1)["id"]
    other = client.get(f"{ROOT}/status/{status['id']}/", headers=basic(world, "agency_a"))
    assert other.status_code == 404  # a status is its poster's
    # The same object twice is a success that adds nothing.
    replay = post(client, world, "partner", collection, [indicator(1)]).get_json()
    assert replay["success_count"] == 1
    objects = client.get(
        f"{ROOT}/collections/{collection}/objects/", headers=basic(world, "partner")
    )
    assert [o["id"] for o in objects.get_json()["objects"]] == [indicator(1)["id"]]
    # So is a cyber-observable, which has no `modified` to name its version by: before,
    # each POST of the same one added a version (a MISP file imported twice was kept twice).
    address = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--00000000-0000-4000-8000-000000000001",
        "value": "198.51.100.1",
    }
    for _ in range(2):
        assert post(client, world, "partner", collection, [address]).status_code == 202
    versions = client.get(
        f"{ROOT}/collections/{collection}/objects/{address['id']}/versions/",
        headers=basic(world, "partner"),
    )
    assert len(versions.get_json()["versions"]) == 1
    changed = {**address, "value": "198.51.100.2"}
    assert post(client, world, "partner", collection, [changed]).status_code == 202
    versions = client.get(
        f"{ROOT}/collections/{collection}/objects/{address['id']}/versions/",
        headers=basic(world, "partner"),
    )
    assert len(versions.get_json()["versions"]) == 2  # other content: a version of its own
    not_envelope = client.post(
        f"{ROOT}/collections/{collection}/objects/",
        data="[1, 2]",
        headers={**basic(world, "partner"), "Content-Type": TAXII},
    )
    assert not_envelope.status_code == 400


def test_pages_filters_and_headers(client: FlaskClient, world: World, collection: str) -> None:
    for n in range(1, 8):  # seven POSTs: seven distinct date_added values
        assert post(client, world, "partner", collection, [indicator(n)]).status_code == 202
    identity = {
        "type": "identity", "spec_version": "2.1",
        "id": "identity--00000000-0000-4000-8000-000000000001",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "Partner ISAC", "identity_class": "organization",
    }  # fmt: skip
    assert post(client, world, "partner", collection, [identity]).status_code == 202
    url = f"{ROOT}/collections/{collection}/objects/"
    seen: list[str] = []
    query: dict[str, str] = {"limit": "3"}
    pages = 0
    while True:
        got = client.get(url, query_string=query, headers=basic(world, "partner"))
        assert got.status_code == 200
        body = got.get_json()
        seen += [o["id"] for o in body["objects"]]
        assert got.headers["X-TAXII-Date-Added-First"] <= got.headers["X-TAXII-Date-Added-Last"]
        pages += 1
        if not body["more"]:
            assert "next" not in body
            break
        query = {"limit": "3", "next": body["next"]}
    assert pages == 3 and len(seen) == len(set(seen)) == 8
    typed = client.get(
        url, query_string={"match[type]": "identity"}, headers=basic(world, "partner")
    )
    assert [o["id"] for o in typed.get_json()["objects"]] == [identity["id"]]
    ids = ",".join(indicator(n)["id"] for n in (2, 5))
    picked = client.get(url, query_string={"match[id]": ids}, headers=basic(world, "partner"))
    assert sorted(o["id"] for o in picked.get_json()["objects"]) == sorted(ids.split(","))
    first = client.get(url, query_string={"limit": "4"}, headers=basic(world, "partner"))
    later = client.get(
        url,
        query_string={"added_after": first.headers["X-TAXII-Date-Added-Last"]},
        headers=basic(world, "partner"),
    )
    assert len(later.get_json()["objects"]) == 4
    assert client.get(
        url, query_string={"match[spec_version]": "2.0"}, headers=basic(world, "partner")
    ).get_json() == {"more": False}
    manifest = client.get(
        f"{ROOT}/collections/{collection}/manifest/",
        query_string={"match[type]": "indicator", "limit": "2"},
        headers=basic(world, "partner"),
    ).get_json()
    assert manifest["more"] is True and len(manifest["objects"]) == 2
    entry = manifest["objects"][0]
    assert entry["version"] == "2026-01-01T00:00:00.000Z"
    assert entry["media_type"] == "application/stix+json;version=2.1"


def test_versions_object_and_delete(client: FlaskClient, world: World, collection: str) -> None:
    stamps = ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]
    # Sent out of order: first and last follow the versions, not the arrival.
    for stamp in (stamps[1], stamps[2], stamps[0]):
        assert (
            post(client, world, "partner", collection, [indicator(1, modified=stamp)]).status_code
            == 202
        )
    oid = indicator(1)["id"]
    base = f"{ROOT}/collections/{collection}/objects/{oid}/"
    versions = client.get(base + "versions/", headers=basic(world, "partner")).get_json()
    assert sorted(versions["versions"]) == stamps and versions["more"] is False

    def modified(**q: str) -> list[str]:
        got = client.get(base, query_string=q, headers=basic(world, "partner"))
        return sorted(o["modified"] for o in got.get_json()["objects"])

    assert modified() == [stamps[2]]
    assert modified(**{"match[version]": "first"}) == [stamps[0]]
    assert modified(**{"match[version]": "all"}) == stamps
    assert modified(**{"match[version]": f"first,{stamps[1]}"}) == stamps[:2]
    listing = client.get(
        f"{ROOT}/collections/{collection}/objects/", headers=basic(world, "partner")
    )
    assert [o["modified"] for o in listing.get_json()["objects"]] == [stamps[2]]

    gone = client.delete(
        base, query_string={"match[version]": stamps[2]}, headers=basic(world, "partner")
    )
    assert gone.status_code == 200
    assert modified() == [stamps[1]]  # the next newest is last now
    assert client.delete(base, headers=basic(world, "partner")).status_code == 200
    missing = client.get(base, headers=basic(world, "partner"))
    assert missing.status_code == 404 and missing.content_type == TAXII
    assert client.get(base + "versions/", headers=basic(world, "partner")).status_code == 404
    assert client.delete(base, headers=basic(world, "partner")).status_code == 404


def marked(n: int, tlp: Tlp) -> dict[str, Any]:
    return indicator(n, object_marking_refs=[MARKING_IDS[tlp]])


def test_tlp_holds_on_every_read_path(client: FlaskClient, world: World, collection: str) -> None:
    levels = {1: Tlp.CLEAR, 2: Tlp.GREEN, 3: Tlp.AMBER, 4: Tlp.AMBER_STRICT, 5: Tlp.RED}
    sent = post(client, world, "partner", collection, [marked(n, t) for n, t in levels.items()])
    assert sent.get_json()["success_count"] == 5
    url = f"{ROOT}/collections/{collection}"

    def visible(who: str) -> set[int]:
        out = set()
        for n in levels:
            oid = indicator(n)["id"]
            paths = [f"{url}/objects/?match[id]={oid}", f"{url}/manifest/?match[id]={oid}"]
            seen = [
                oid in client.get(p, headers=basic(world, who)).get_data(as_text=True)
                for p in paths
            ]
            for direct in (f"{url}/objects/{oid}/", f"{url}/objects/{oid}/versions/"):
                seen.append(client.get(direct, headers=basic(world, who)).status_code == 200)
            assert len(set(seen)) == 1, (who, n, seen)  # every path agrees
            if seen[0]:
                out.add(n)
        return out

    assert visible("partner") == {1, 2, 3, 4}  # its own AMBER+STRICT; never RED
    assert visible("agency_a") == {1, 2, 3}  # in the audience; not the owner
    assert visible("admin") == {1, 2}  # the hub's own admin reads no one's AMBER


def walk(client: FlaskClient, world: World, who: str) -> list[dict[str, Any]]:
    """Every object version `who` can read, through the TAXII API, every collection."""
    served: list[dict[str, Any]] = []
    listed = client.get(f"{ROOT}/collections/", headers=basic(world, who)).get_json()
    for c in listed.get("collections", []):
        if not c["can_read"]:
            continue
        query: dict[str, str] = {"match[version]": "all", "limit": "50"}
        while True:
            page = client.get(
                f"{ROOT}/collections/{c['id']}/objects/",
                query_string=query,
                headers=basic(world, who),
            ).get_json()
            served += page.get("objects", [])
            if not page["more"]:
                break
            query["next"] = page["next"]
    return served


def test_every_served_object_passes_the_oasis_validator(
    client: FlaskClient, world: World, collection: str
) -> None:
    vulnerability = {
        "type": "vulnerability", "spec_version": "2.1",
        "id": "vulnerability--00000000-0000-4000-8000-000000000009",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "CVE-2024-3094",
        "external_references": [{"source_name": "cve", "external_id": "CVE-2024-3094"}],
    }  # fmt: skip
    sighting = {
        "type": "sighting", "spec_version": "2.1",
        "id": "sighting--00000000-0000-4000-8000-000000000010",
        "created": "2026-01-02T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": indicator(1)["id"], "count": 3,
        "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-02T00:00:00Z",
    }  # fmt: skip
    tlp = definition(Tlp.AMBER)
    objects = [indicator(1), indicator(2, modified="2026-02-01T00:00:00.000Z"), vulnerability,
               sighting, tlp]  # fmt: skip
    assert post(client, world, "agency_a", collection, objects).get_json()["failure_count"] == 0
    options = ValidationOptions(version="2.1")
    for who in ("partner", "agency_a", "admin"):
        served = walk(client, world, who)
        assert len(served) >= 4, who
        for obj in served:
            result = validate_instance(obj, options)
            assert result.is_valid, (who, obj["id"], [str(e) for e in result.errors])


def test_a_token_the_server_knows_is_judged_afresh_on_every_listing(
    client: FlaskClient, world: World, collection: str
) -> None:
    """After its first request a token's listings read the token, the collection and the
    page together; revocation and lost rights still take effect on the next request, and
    errors keep their order (401 before a bad filter, a bad page token after the rights)."""
    post(client, world, "partner", collection, [indicator(n) for n in range(3)])
    url = f"{ROOT}/collections/{collection}/objects/"
    for who in ("partner", "agency_a"):
        assert len(client.get(url, headers=basic(world, who)).get_json()["objects"]) == 3
    page = client.get(f"{url}?limit=1", headers=basic(world, "partner")).get_json()
    assert len(page["objects"]) == 1 and page["more"]
    assert client.get(f"{url}?next=garbage", headers=basic(world, "partner")).status_code == 400

    c = world.store.fetch(TAXII_COLLECTIONS, collection)
    assert c is not None
    with world.store.transaction() as tx:  # agency A may now only write
        tx.put_taxii_collection(replace(c, readers=(world.partner,)))
    assert client.get(url, headers=basic(world, "agency_a")).status_code == 403
    assert client.get(f"{url}?next=garbage", headers=basic(world, "agency_a")).status_code == 403

    partner = next(t for t in world.store.list_tokens(org_id=world.partner))
    Registry(world.store).revoke_token(Principal.operator("tests"), partner.id, "t")
    for asked in (url, f"{url}?limit=zero", f"{url}?next={page['next']}"):
        refused = client.get(asked, headers=basic(world, "partner"))
        assert refused.status_code == 401 and refused.content_type == TAXII
