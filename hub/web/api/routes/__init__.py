"""One router per resource group; `API_ROUTERS` is what `/api/v1` serves."""

from hub.web.api.routes.assets import router as assets
from hub.web.api.routes.audit import router as audit
from hub.web.api.routes.exports import router as exports
from hub.web.api.routes.feeds import router as feeds
from hub.web.api.routes.findings import router as findings
from hub.web.api.routes.incidents import router as incidents
from hub.web.api.routes.inventory import router as inventory
from hub.web.api.routes.meta import health, me
from hub.web.api.routes.organizations import router as organizations
from hub.web.api.routes.people import router as people
from hub.web.api.routes.sboms import router as sboms
from hub.web.api.routes.scores import router as scores
from hub.web.api.routes.systems import router as systems
from hub.web.api.routes.threats import router as threats
from hub.web.api.routes.tokens import router as tokens
from hub.web.api.routes.triage import router as triage

API_ROUTERS = [
    me,
    organizations,
    systems,
    assets,
    inventory,
    sboms,
    findings,
    threats,
    incidents,
    scores,
    triage,
    exports,
    feeds,
    tokens,
    people,
    audit,
]
ROOT_ROUTERS = [health]

__all__ = ["API_ROUTERS", "ROOT_ROUTERS"]
