"""Tokens are for machines: each expires, says when it was last used, and is replaced by
rotation (issue: people, not tokens)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from hub.core.model import utcnow
from tests.conftest import World


def issue(client: FlaskClient, world: World, **extra: object) -> dict[str, object]:
    made = client.post(
        "/api/v1/tokens",
        headers=world.auth("admin"),
        json={"org_id": world.agency_b, "role": "agency_submitter", "name": "collector", **extra},
    )
    assert made.status_code == 201, made.get_json()
    body: dict[str, object] = made.get_json()
    return body


def bearer(secret: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_expires_by_default_and_never_past_the_maximum(
    client: FlaskClient, world: World
) -> None:
    before = utcnow()
    made = issue(client, world)
    expires = datetime.fromisoformat(str(made["expires_at"]))
    assert before + timedelta(days=90) <= expires <= utcnow() + timedelta(days=90)
    short = issue(client, world, expires_in_days=1)
    assert datetime.fromisoformat(str(short["expires_at"])) <= utcnow() + timedelta(days=1)
    refused = client.post(
        "/api/v1/tokens",
        headers=world.auth("admin"),
        json={"org_id": world.agency_b, "role": "agency_submitter", "expires_in_days": 400},
    )
    assert refused.status_code == 422
    assert "1 to 365 days, not 400" in refused.get_json()["detail"]


def test_an_expired_token_is_refused_with_what_to_do(client: FlaskClient, world: World) -> None:
    made = issue(client, world)
    token = world.store.get_token(str(made["id"]))
    assert token is not None
    with world.store.transaction() as tx:
        tx.put_token(replace(token, expires_at=datetime(2026, 1, 2, tzinfo=UTC)))
    refused = client.get("/api/v1/me", headers=bearer(made["token"]))
    assert refused.status_code == 401
    error = refused.get_json()
    assert "expired on 2026-01-02" in error["detail"]
    assert f"crsa token rotate {made['id']}" in error["hint"]


def test_last_use_is_noted_once_an_hour(client: FlaskClient, world: World) -> None:
    made = issue(client, world)
    assert made["last_used_at"] is None
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    first = world.store.get_token(str(made["id"]))
    assert first is not None and first.last_used_at is not None
    assert utcnow() - first.last_used_at < timedelta(minutes=1)
    head = world.store.audit_head()
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    again = world.store.get_token(str(made["id"]))
    assert again == first  # within the hour: not written again
    assert world.store.audit_head() == head  # bookkeeping, not an audited decision
    listed = client.get("/api/v1/tokens", headers=world.auth("admin")).get_json()["items"]
    assert next(t for t in listed if t["id"] == made["id"])["last_used_at"]


def test_rotation_hands_over_to_a_successor_and_ends_the_old_token(
    client: FlaskClient, world: World
) -> None:
    made = issue(client, world)
    rotated = client.post(
        f"/api/v1/tokens/{made['id']}/rotate", headers=world.auth("admin"), json={}
    )
    assert rotated.status_code == 201
    successor = rotated.get_json()
    assert successor["id"] != made["id"] and successor["token"] != made["token"]
    assert (successor["org_id"], successor["role"], successor["name"]) == (
        made["org_id"],
        made["role"],
        "collector",
    )
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401
    me = client.get("/api/v1/me", headers=bearer(successor["token"])).get_json()
    assert me["org_id"] == world.agency_b
    head = world.store.audit_head()
    assert head is not None and head.action == "token.rotate" and head.target == made["id"]
    assert head.detail["successor"] == successor["id"]
    again = client.post(f"/api/v1/tokens/{made['id']}/rotate", headers=world.auth("admin"), json={})
    assert again.status_code == 409 and "revoked" in again.get_json()["detail"]
    missing = client.post("/api/v1/tokens/no-such/rotate", headers=world.auth("admin"), json={})
    assert missing.status_code == 404
