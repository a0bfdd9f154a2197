"""Which pages each role sees. Which agencies it sees is the hub's own rule
(`Principal.sees_org`): agency users their own, operator roles and auditors all."""

from __future__ import annotations

from hub.core.auth import Principal
from hub.core.model import Role

PAGES = ("overview", "agency", "vulns", "sbom", "sharing", "triage", "audit", "asset")
MENU = PAGES[:-1]  # the asset page is reached from the agency page, not the menu

ALLOWED: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PAGES),
    Role.SOC_ANALYST: frozenset(PAGES),
    Role.AUDITOR: frozenset(PAGES) - {"sharing"},
    Role.AGENCY_SUBMITTER: frozenset({"agency", "asset", "vulns", "sbom", "triage"}),
    Role.PARTNER: frozenset(),  # partners exchange over TAXII (/taxii2/), not these pages
}


def may_see(who: Principal | None, page: str) -> bool:
    return who is not None and page in ALLOWED[who.role]


def home_page(who: Principal) -> str:
    """Where a user lands: the national overview, or an agency user's own agency."""
    return "overview" if may_see(who, "overview") else "agency"
