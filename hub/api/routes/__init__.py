"""One router per resource group; `API_ROUTERS` is what `/api/v1` serves."""

from hub.api.routes.assets import router as assets
from hub.api.routes.audit import router as audit
from hub.api.routes.exports import router as exports
from hub.api.routes.findings import router as findings
from hub.api.routes.inventory import router as inventory
from hub.api.routes.meta import health, me
from hub.api.routes.organizations import router as organizations
from hub.api.routes.sboms import router as sboms
from hub.api.routes.scores import router as scores
from hub.api.routes.systems import router as systems
from hub.api.routes.tokens import router as tokens
from hub.api.routes.triage import router as triage

API_ROUTERS = [
    me,
    organizations,
    systems,
    assets,
    inventory,
    sboms,
    findings,
    scores,
    triage,
    exports,
    tokens,
    audit,
]
ROOT_ROUTERS = [health]

__all__ = ["API_ROUTERS", "ROOT_ROUTERS"]
