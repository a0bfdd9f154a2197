"""What the API does for callers who may: idempotent creates, scoped lists, tokens, audit."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World


def test_creating_the_same_organization_twice_changes_nothing(
    client: FlaskClient, world: World
) -> None:
    body = {"name": "Ministry of Testing", "kind": "agency"}
    first = client.post("/api/v1/organizations", json=body, headers=world.auth("admin"))
    assert first.status_code == 201
    after_first = world.snapshot()
    again = client.post(
        "/api/v1/organizations",
        json={**body, "name": " ministry  of TESTING "},
        headers=world.auth("admin"),
    )
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert world.snapshot() == after_first
    entry = world.store.audit_head()
    assert entry is not None and entry.action == "organization.create"
    assert entry.target == first.get_json()["id"] and entry.actor.startswith("token:")


def test_agency_submitter_manages_its_own_systems_and_assets(
    client: FlaskClient, world: World
) -> None:
    me = world.auth("agency_a")
    created = client.post(
        "/api/v1/systems",
        headers=me,
        json={
            "org_id": world.agency_a,
            "name": "Grants",
            "criticality": "moderate",
            "internet_facing": True,
        },
    )
    assert created.status_code == 201, created.get_json()
    system = created.get_json()
    listed = client.get("/api/v1/systems", headers=me).get_json()
    assert {s["org_id"] for s in listed["items"]} == {world.agency_a}
    assert system["id"] in {s["id"] for s in listed["items"]}

    patched = client.patch(
        f"/api/v1/systems/{system['id']}", headers=me, json={"criticality": "high"}
    )
    assert patched.status_code == 200 and patched.get_json()["criticality"] == "high"
    assert (
        client.get(f"/api/v1/systems/{system['id']}", headers=me).get_json()["criticality"]
        == "high"
    )
    head = world.store.audit_head()
    assert head is not None and head.action == "system.update"
    assert head.detail == {"criticality": "high"}

    asset = {
        "system_id": system["id"],
        "identifier": "srv-01",
        "hostname": "srv-01.a.go.jp",
        "os_name": "Debian GNU/Linux",
        "os_version": "12",
        "addresses": ["10.1.2.3", "fe80::1"],
        "packages": [
            {"purl": "pkg:PyPI/Django@4.2.7"},
            {"purl": "pkg:npm/%40babel/traverse@7.23.2"},
        ],
    }
    made = client.post("/api/v1/assets", headers=me, json=asset)
    assert made.status_code == 201, made.get_json()
    again = client.post("/api/v1/assets", headers=me, json=asset)
    assert again.status_code == 200 and again.get_json()["id"] == made.get_json()["id"]
    pkgs = client.get(f"/api/v1/assets/{made.get_json()['id']}/packages", headers=me).get_json()
    assert [(p["purl"], p["name"], p["ecosystem"]) for p in pkgs["items"]] == [
        ("pkg:npm/%40babel/traverse@7.23.2", "@babel/traverse", "npm"),
        ("pkg:pypi/django@4.2.7", "django", "pypi"),
    ]
    update = client.patch(
        f"/api/v1/assets/{made.get_json()['id']}",
        headers=me,
        json={"packages": [{"purl": "pkg:pypi/django@4.2.11"}]},
    )
    assert update.status_code == 200
    pkgs = client.get(f"/api/v1/assets/{made.get_json()['id']}/packages", headers=me).get_json()
    assert [p["version"] for p in pkgs["items"]] == ["4.2.11"]


def test_patch_without_a_change_writes_nothing(client: FlaskClient, world: World) -> None:
    before = world.snapshot()
    same = client.patch(
        f"/api/v1/systems/{world.system_a}",
        headers=world.auth("admin"),
        json={"criticality": "high"},
    )
    assert same.status_code == 200
    assert world.snapshot() == before
    empty = client.patch(f"/api/v1/systems/{world.system_a}", headers=world.auth("admin"), json={})
    assert empty.status_code == 422
    null = client.patch(
        f"/api/v1/systems/{world.system_a}", headers=world.auth("admin"), json={"criticality": None}
    )
    assert null.status_code == 422 and "null" in null.get_json()["detail"]
    assert world.snapshot() == before


def test_readers_see_everything_but_agencies_see_their_own(
    client: FlaskClient, world: World
) -> None:
    for who in ("admin", "soc", "auditor"):
        systems = client.get("/api/v1/systems", headers=world.auth(who)).get_json()["items"]
        assert {s["id"] for s in systems} == {world.system_a, world.system_b}
        assets = client.get("/api/v1/assets", headers=world.auth(who)).get_json()["items"]
        assert {a["id"] for a in assets} == {world.asset_a, world.asset_b}
    orgs = client.get("/api/v1/organizations", headers=world.auth("agency_b")).get_json()
    assert [o["id"] for o in orgs["items"]] == [world.agency_b]
    assets = client.get("/api/v1/assets", headers=world.auth("agency_b")).get_json()["items"]
    assert [a["id"] for a in assets] == [world.asset_b]


def test_lists_page_with_a_cursor(client: FlaskClient, world: World) -> None:
    admin = world.auth("admin")
    for n in range(5):
        client.post(
            "/api/v1/systems", headers=admin, json={"org_id": world.agency_a, "name": f"S{n}"}
        )
    ids: list[str] = []
    url = "/api/v1/systems?limit=2"
    while True:
        page = client.get(url, headers=admin).get_json()
        ids += [s["id"] for s in page["items"]]
        if page["next"] is None:
            break
        url = f"/api/v1/systems?limit=2&after={page['next']}"
    assert len(ids) == len(set(ids)) == 7


def test_tokens_issue_use_and_revoke(client: FlaskClient, world: World) -> None:
    admin = world.auth("admin")
    issued = client.post(
        "/api/v1/tokens",
        headers=admin,
        json={"org_id": world.agency_b, "role": "agency_submitter", "name": "collector"},
    )
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    mine = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=mine).get_json()["org_id"] == world.agency_b
    listed = client.get("/api/v1/tokens", headers=admin).get_json()["items"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{issued.get_json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert client.get("/api/v1/me", headers=mine).status_code == 401


def test_audit_log_is_readable_and_verifies(client: FlaskClient, world: World) -> None:
    for who in ("admin", "auditor"):
        page = client.get("/api/v1/audit?limit=3", headers=world.auth(who)).get_json()
        assert [e["seq"] for e in page["items"]] == [1, 2, 3] and page["next"] == 3
        rest = client.get("/api/v1/audit?after=3&limit=1000", headers=world.auth(who)).get_json()
        assert rest["items"][0]["seq"] == 4 and rest["next"] is None
        verdict = client.get("/api/v1/audit/verify", headers=world.auth(who)).get_json()
        head = world.store.audit_head()
        assert verdict["ok"] and head is not None and verdict["head"] == head.hash


def test_request_id_is_echoed_and_recorded(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/organizations",
        json={"name": "Echo", "kind": "partner"},
        headers={**world.auth("admin"), "X-Request-ID": "ticket-4711"},
    )
    assert response.headers["X-Request-ID"] == "ticket-4711"
    head = world.store.audit_head()
    assert head is not None and head.request_id == "ticket-4711"
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert odd.headers["X-Request-ID"] != "bad id with spaces"
    assert len(odd.headers["X-Request-ID"]) == 32


def test_healthz_needs_no_token(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["schema_version"] >= 1
