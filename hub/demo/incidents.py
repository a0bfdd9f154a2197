"""The demo's Knowledge Wall: incidents agencies reported, through the hub's real incident
desk. Two agencies whose hosts beacon to the partner's C2 report it (one campaign: a
cluster), the agency of the printed demo login reports a phishing e-mail, and an older
scan was closed. Values come from the documentation ranges, as the rest of the demo's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from hub.core.auth import Principal
from hub.core.model import Asset, Organization, Role
from hub.core.store import Store
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentForm, ObservableIn

ATTACHMENT = "3b5d7a9c0e2f4b6d8a1c3e5f7b9d0a2c4e9f2c6e4b1d8a7c3e5f0b2d4a6c8e1f"  # its SHA-256


def _form(**fields: Any) -> IncidentForm:
    observables = [ObservableIn(type=k, value=v) for k, v in fields.pop("observables")]
    return IncidentForm(observables=observables, **fields)


def seed_incidents(
    store: Store,
    now: datetime,
    beaconing: Sequence[Asset],
    own_agency: Organization,
    own_system: str,
    c2: str,
    c2_domain: str,
    scanner: str,
) -> int:
    """Report the demo's incidents; how many were reported."""
    first, second = _two_agencies(beaconing, own_agency.id)
    reports: list[tuple[str, IncidentForm, str]] = [
        (first.org_id, _form(
            title="Web server beaconing to a known C2 server", severity="high", tlp="amber",
            description="The EDR flagged periodic HTTPS connections from the web server.",
            first_activity=now - timedelta(days=12), last_activity=now - timedelta(days=1),
            observables=[("ipv4-addr", c2), ("domain-name", c2_domain)],
            techniques=["T1071.001", "T1190"], vulnerabilities=["CVE-2021-44228"],
            assets=[first.id]), "triaged"),
        (second.org_id, _form(
            title="Web shell found after Log4Shell exploitation", severity="critical",
            tlp="amber", description="A JSP web shell was found on the application server.",
            first_activity=now - timedelta(days=10), last_activity=now - timedelta(days=2),
            observables=[("ipv4-addr", c2)], techniques=["T1190", "T1505.003"],
            vulnerabilities=["CVE-2021-44228"], assets=[second.id]), "contained"),
        (own_agency.id, _form(
            title="Phishing e-mail with a malicious invoice attachment", severity="medium",
            tlp="green", first_activity=now - timedelta(hours=20),
            observables=[("domain-name", "invoice-portal.example.com"),
                         ("file", ATTACHMENT)],
            techniques=["T1566.001"], systems=[own_system]), "new"),
        (first.org_id, _form(
            title="Port scan from a known scanner range", severity="low", tlp="green",
            first_activity=now - timedelta(days=20), last_activity=now - timedelta(days=19),
            observables=[("ipv4-addr", scanner)], techniques=["T1595.001"],
            assets=[first.id]), "closed"),
    ]  # fmt: skip
    for org_id, form, state in reports:
        reported = form.last_activity or form.first_activity
        desk = IncidentDesk(store, clock=lambda at=reported: at)  # type: ignore[misc]
        reporter = Principal(f"demo:{org_id[:8]}", Role.AGENCY_SUBMITTER, org_id)
        incident, _ = desk.report(reporter, form, "demo-incidents")
        if state != "new":
            soc = Principal("demo:soc", Role.SOC_ANALYST, None)
            owner = {"owner": "soc.analyst"} if state == "triaged" else {}
            IncidentDesk(store, clock=lambda: now).change(
                soc, incident.id, {"state": state, **owner}, "demo-incidents"
            )
    return len(reports)


def _two_agencies(hosts: Sequence[Asset], besides: str) -> tuple[Asset, Asset]:
    """Two beaconing hosts of two agencies other than `besides` (else any two agencies)."""
    chosen: dict[str, Asset] = {}
    for host in sorted(hosts, key=lambda a: (a.org_id == besides, a.id)):
        chosen.setdefault(host.org_id, host)
    picked = list(chosen.values())
    return picked[0], picked[1 if len(picked) > 1 else 0]
