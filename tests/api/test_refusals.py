"""Acceptance 2: every refused request is refused with the right status and writes nothing.

Each case runs against a seeded world; afterwards the store's counts and the
audit head must be exactly what they were before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import LIMIT, World

Case = Callable[[FlaskClient, World], TestResponse]


def _post(path: str, who: str | None, body: Any, **kw: Any) -> Case:
    def run(client: FlaskClient, w: World) -> TestResponse:
        headers = w.auth(who) if who else {}
        payload = body(w) if callable(body) else body
        return client.post(path, json=payload, headers=headers, **kw)

    return run


def _get(path: Callable[[World], str], who: str | None) -> Case:
    def run(client: FlaskClient, w: World) -> TestResponse:
        return client.get(path(w), headers=w.auth(who) if who else {})

    return run


def _raw(path: str, who: str, data: bytes, content_type: str) -> Case:
    def run(client: FlaskClient, w: World) -> TestResponse:
        return client.post(path, data=data, content_type=content_type, headers=w.auth(who))

    return run


def _system(w: World) -> dict[str, Any]:
    return {"org_id": w.agency_a, "name": "New system", "criticality": "high"}


def _bad_auth(header: str) -> Case:
    def run(client: FlaskClient, w: World) -> TestResponse:
        return client.post("/api/v1/systems", json=_system(w), headers={"Authorization": header})

    return run


CASES: dict[str, tuple[Case, int, str]] = {
    # 401: no token, wrong token, revoked token, wrong scheme
    "no token": (_post("/api/v1/systems", None, _system), 401, "missing bearer token"),
    "wrong token": (_bad_auth("Bearer crsa_not-a-real-token"), 401, "invalid or revoked"),
    "basic scheme": (_bad_auth("Basic YWRtaW46YWRtaW4="), 401, "missing bearer token"),
    "revoked token": (_post("/api/v1/systems", "revoked", _system), 401, "revoked"),
    "no token on a read": (_get(lambda w: "/api/v1/systems", None), 401, "bearer"),
    # 403: wrong role
    "soc analyst writes": (_post("/api/v1/systems", "soc", _system), 403, "soc_analyst"),
    "auditor writes": (_post("/api/v1/systems", "auditor", _system), 403, "auditor"),
    "partner uses REST": (_get(lambda w: "/api/v1/systems", "partner"), 403, "partner"),
    "agency creates org": (
        _post("/api/v1/organizations", "agency_a", {"name": "X", "kind": "agency"}),
        403,
        "agency_submitter",
    ),
    "agency issues token": (
        _post("/api/v1/tokens", "agency_a", lambda w: {"org_id": w.agency_a, "role": "admin"}),
        403,
        "agency_submitter",
    ),
    "agency reads audit": (_get(lambda w: "/api/v1/audit", "agency_a"), 403, "audit"),
    # another agency's data
    "system into other agency": (
        _post("/api/v1/systems", "agency_b", _system),
        403,
        "own organization",
    ),
    "asset into other agency": (
        _post("/api/v1/assets", "agency_b", lambda w: {"system_id": w.system_a, "identifier": "x"}),
        404,
        "no system",
    ),
    "read other system": (
        _get(lambda w: f"/api/v1/systems/{w.system_a}", "agency_b"),
        404,
        "no system",
    ),
    "read other asset": (
        _get(lambda w: f"/api/v1/assets/{w.asset_a}", "agency_b"),
        404,
        "no asset",
    ),
    "read other packages": (
        _get(lambda w: f"/api/v1/assets/{w.asset_a}/packages", "agency_b"),
        404,
        "no asset",
    ),
    "read other org": (
        _get(lambda w: f"/api/v1/organizations/{w.agency_a}", "agency_b"),
        404,
        "no organization",
    ),
    "list other org's systems": (
        _get(lambda w: f"/api/v1/systems?org_id={w.agency_a}", "agency_b"),
        403,
        "own organization",
    ),
    "list other system's assets": (
        _get(lambda w: f"/api/v1/assets?system_id={w.system_a}", "agency_b"),
        404,
        "no system",
    ),
    # 400 / 415 / 422: bad bodies
    "malformed JSON": (
        _raw("/api/v1/systems", "admin", b'{"org_id": "x", "name": }', "application/json"),
        400,
        "malformed JSON at line 1 column 25: Expecting value",
    ),
    "not UTF-8": (_raw("/api/v1/systems", "admin", b"\xff\xfe{", "application/json"), 400, "UTF-8"),
    "not JSON": (
        _raw("/api/v1/systems", "admin", b"name=x", "application/x-www-form-urlencoded"),
        415,
        "application/json",
    ),
    "missing field": (
        _post("/api/v1/systems", "admin", lambda w: {"org_id": w.agency_a}),
        422,
        "name: Field required",
    ),
    "unknown field": (
        _post("/api/v1/systems", "admin", lambda w: {**_system(w), "criticaly": "low"}),
        422,
        "criticaly",
    ),
    "bad enum": (
        _post("/api/v1/systems", "admin", lambda w: {**_system(w), "criticality": "extreme"}),
        422,
        "criticality",
    ),
    "bad purl": (
        _post(
            "/api/v1/assets",
            "admin",
            lambda w: {
                "system_id": w.system_a,
                "identifier": "h9",
                "packages": [{"purl": "pkg:pypi/x"}],
            },
        ),
        422,
        "packages.0",
    ),
    "bad address": (
        _post(
            "/api/v1/assets",
            "admin",
            lambda w: {"system_id": w.system_a, "identifier": "h9", "addresses": ["10.0.0.300"]},
        ),
        422,
        "addresses.0",
    ),
    "bad query": (_get(lambda w: "/api/v1/systems?limit=0", "admin"), 400, "limit"),
    "system in a partner org": (
        _post("/api/v1/systems", "admin", lambda w: {"org_id": w.partner, "name": "S"}),
        422,
        "belong to agencies",
    ),
    "admin token for an agency": (
        _post("/api/v1/tokens", "admin", lambda w: {"org_id": w.agency_a, "role": "admin"}),
        422,
        "operator",
    ),
    # 413
    "body over the limit": (
        _raw("/api/v1/systems", "admin", b'{"name": "' + b"x" * LIMIT + b'"}', "application/json"),
        413,
        "limit",
    ),
    # 409: same key, different content
    "conflicting system": (
        _post(
            "/api/v1/systems",
            "admin",
            lambda w: {"org_id": w.agency_a, "name": "portal a", "criticality": "low"},
        ),
        409,
        "already exists",
    ),
    "unknown route": (_get(lambda w: "/api/v1/nothing", "admin"), 404, "not found"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_and_nothing_written(client: FlaskClient, world: World, case: str) -> None:
    run, status, words = CASES[case]
    before = world.snapshot()
    response = run(client, world)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"error", "detail", "request_id"}
    assert words.lower() in body["detail"].lower()
    assert world.snapshot() == before
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
