"""Which pages each role sees. Which agencies it sees is the hub's own rule
(`Principal.sees_org`): agency users their own, operator roles and auditors all."""

from __future__ import annotations

from urllib.parse import urlparse

from hub.core.auth import Principal
from hub.core.model import Role

PAGES = (
    "overview",
    "agency",
    "vulns",
    "sbom",
    "sharing",
    "triage",
    "wall",
    "audit",
    "system",
    "asset",
    "vulnerability",
    "indicator",
    "incident",
)
# One system, asset, vulnerability, indicator or incident is reached from the pages that
# name it, not the menu.
MENU = PAGES[:-5]
PATHS = {
    "overview": "/",
    "agency": "/agency",
    "system": "/system",
    "asset": "/asset",
    "vulns": "/vulnerabilities",
    "sbom": "/sbom",
    "sharing": "/sharing",
    "triage": "/triage",
    "audit": "/audit",
    "vulnerability": "/vulnerability",
    "indicator": "/indicator",
    "wall": "/wall",
    "incident": "/incident",
}

ALLOWED: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PAGES),
    Role.SOC_ANALYST: frozenset(PAGES),
    Role.AUDITOR: frozenset(PAGES) - {"sharing", "indicator"},
    Role.AGENCY_SUBMITTER: frozenset(
        {
            "agency",
            "system",
            "asset",
            "vulns",
            "vulnerability",
            "sbom",
            "triage",
            "wall",
            "incident",
        }
    ),
    # Partners exchange over TAXII (/taxii2/); the sharing page shows them their own
    # collections and how to reach them, nothing of the agencies'.
    Role.PARTNER: frozenset({"sharing"}),
}
# Where each role lands after signing in, and from the dashboards' root when the national
# overview is not theirs: the page of its own work.
LANDING: dict[Role, str] = {
    Role.ADMIN: "overview",
    Role.SOC_ANALYST: "overview",
    Role.AUDITOR: "audit",
    Role.AGENCY_SUBMITTER: "agency",
    Role.PARTNER: "sharing",
}


def may_see(who: Principal | None, page: str) -> bool:
    return who is not None and page in ALLOWED[who.role]


def home_path(who: Principal, prefix: str) -> str:
    """The path `who` lands on (an agency user's agency page shows their own agency)."""
    return prefix.rstrip("/") + PATHS[LANDING[who.role]]


def inside(target: str, prefix: str) -> str:
    """`target` if it is a path inside the dashboards, else their root: a login or
    sign-in link must never send anyone elsewhere (an open redirect)."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith(prefix):
        return prefix
    return target
