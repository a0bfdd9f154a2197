"""Permissions in one layer: every route declares the permission it needs, the API checks
it before the handler runs (for every role that lacks it: 403 naming it, nothing
written), and the published OpenAPI document says it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from hub.core.auth import PERMISSIONS
from hub.core.model import Role
from hub.web.api.endpoint import Endpoint
from hub.web.api.openapi import build_openapi
from hub.web.api.routes import API_ROUTERS
from tests.conftest import World

ENDPOINTS = [e for r in API_ROUTERS for e in r.endpoints]
TOKENS = {
    Role.ADMIN: "admin",
    Role.SOC_ANALYST: "soc",
    Role.AUDITOR: "auditor",
    Role.AGENCY_SUBMITTER: "agency_a",
}


def test_every_authenticated_route_declares_its_permission() -> None:
    undeclared = [f"{e.method} {e.path}" for e in ENDPOINTS if e.authenticated and not e.needs]
    assert undeclared == []


def _refusals() -> list[tuple[Endpoint, Role]]:
    return [
        (e, role)
        for e in ENDPOINTS
        if e.needs is not None
        for role in TOKENS
        if role not in PERMISSIONS[e.needs]
    ]


@pytest.mark.parametrize(
    ("endpoint", "role"),
    [pytest.param(e, r, id=f"{r.value} {e.method} {e.path}") for e, r in _refusals()],
)
def test_a_role_without_the_permission_is_refused_before_anything_runs(
    client: FlaskClient, world: World, endpoint: Endpoint, role: Role
) -> None:
    before = world.snapshot()
    path = "/api/v1" + endpoint.path
    for name in endpoint.path_params:
        path = path.replace(f"<{name}>", "x")
    got = client.open(path, method=endpoint.method, headers=world.auth(TOKENS[role]), json={})
    assert got.status_code == 403, got.get_json()
    assert endpoint.needs is not None
    assert endpoint.needs.value.replace("_", " ") in got.get_json()["detail"]
    assert world.snapshot() == before


def test_the_openapi_document_names_each_permission() -> None:
    spec = build_openapi([("/api/v1", API_ROUTERS)])
    for e in ENDPOINTS:
        if e.needs is None:
            continue
        op = spec["paths"]["/api/v1" + e.openapi_path][e.method.lower()]
        assert op["x-crsa-permission"] == e.needs.value
        for role in PERMISSIONS[e.needs]:
            assert role.value in op["description"]
