"""Liveness and identity: what load balancers and first-time users ask first."""

from __future__ import annotations

from hub import __version__
from hub.core.auth import Action
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import Health, Me

health = Router("meta")
me = Router("meta")


@health.route(
    "GET",
    "/healthz",
    summary="Liveness and store check",
    response=Health,
    authenticated=False,
    errors=(),
)
def healthz(call: Call) -> Health:
    store = call.store
    return Health(
        status="ok", version=__version__, store=store.name, schema_version=store.schema_version()
    )


@me.route("GET", "/me", summary="Who the token belongs to", response=Me, needs=Action.USE_REST_API)
def whoami(call: Call) -> Me:
    who = call.who
    return Me(actor=who.actor, role=who.role, org_id=who.org_id)
