"""An incident as partners may receive it: a STIX `report` of what helps them defend
(observables, indicators, techniques, vulnerabilities, malware) without what identifies the
victim, unless its owner allows it:

- `agency`: the reporting agency (its identity; otherwise the hub is the only author);
- `hostnames`: domain names that are the agency's own hosts' names;
- `addresses`: internal addresses (RFC 1918, carrier-grade NAT, loopback, link-local,
  IPv6 unique-local) and the agency's hosts' addresses;
- `text`: free text (every `description`, the incident's own name and object).

An indicator or URL naming what is withheld is withheld with it, an observation left with
nothing to show is dropped, and a relationship goes only when both its ends go. Every
object is marked with the report's TLP (granular markings dropped), and the TLP may be
stricter than the incident's, never less strict, and one a partner can read (`shared_tlp`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

import stix2

from hub.core.errors import InvalidSubmission
from hub.core.model import Organization
from hub.core.records.incidents import Incident
from hub.sharing.desk import iso
from hub.sharing.identities import identity, stix_id
from hub.sharing.incidents.reading import SCO_TYPES, plain
from hub.sharing.ioc import compile_simple
from hub.sharing.markings import MARKING_IDS, ORDER, Tlp

ALLOWABLE = ("agency", "hostnames", "addresses", "text")
# What a partner may receive, by type. Anything else an agency sent goes nowhere: its
# identity, accounts, e-mail addresses, processes and traffic describe the victim, its
# notes and opinions are its own prose, and its markings are replaced by the report's.
KEPT = frozenset(
    {*SCO_TYPES, "observed-data", "indicator", "attack-pattern", "vulnerability", "malware",
     "tool", "infrastructure", "intrusion-set", "campaign", "threat-actor", "relationship",
     "incident"}
)  # fmt: skip
INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
              "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128")
)  # fmt: skip


def shared_tlp(incident: Incident, wanted: str | None) -> Tlp:
    """The level the report goes out under: the owner's choice, or the incident's own."""
    own = Tlp(incident.tlp)
    level = Tlp(wanted) if wanted else own
    if ORDER.index(level) < ORDER.index(own):
        raise InvalidSubmission(
            f"TLP:{level.value.upper()} is less restrictive than the incident's"
            f" TLP:{own.value.upper()}",
            hint=f"share it as TLP:{own.value.upper()} or stricter",
        )
    if level in (Tlp.RED, Tlp.AMBER_STRICT):
        raise InvalidSubmission(
            f"TLP:{level.value.upper()} would reach no partner: RED never leaves the hub, and"
            " AMBER+STRICT stays within the organization that owns it",
            hint="an incident marked so is not shared; one marked lower may go as AMBER",
        )
    return level


def internal(address: str, known: frozenset[str]) -> bool:
    if address in known:
        return True
    try:
        ip = ipaddress.ip_address(address.split("/")[0])
    except ValueError:
        return False
    return any(ip in net for net in INTERNAL if net.version == ip.version)


class _Withheld:
    """What the victim's identity consists of, and whether a value reveals it."""

    def __init__(
        self, allow: frozenset[str], hostnames: Iterable[str], addresses: Iterable[str]
    ) -> None:
        self.allow = allow
        self.hostnames = frozenset(h.lower() for h in hostnames if h)
        self.addresses = frozenset(addresses)

    def address(self, value: str) -> bool:
        return "addresses" not in self.allow and internal(value, self.addresses)

    def hostname(self, value: str) -> bool:
        if "hostnames" in self.allow:
            return False
        name = value.lower().rstrip(".")
        return name in self.hostnames or name.split(".")[0] in self.hostnames

    def value(self, path: str, value: str) -> bool:
        kind = path.split(":", 1)[0]
        if kind in ("ipv4-addr", "ipv6-addr"):
            return self.address(value)
        if kind == "domain-name":
            return self.hostname(value)
        if kind == "url":
            host = value.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].strip("[]")
            return self.address(host) or self.hostname(host)
        return False


def report(
    incident: Incident,
    hub: Organization,
    agency: Organization,
    tlp: Tlp,
    allow: frozenset[str],
    hostnames: Iterable[str],
    addresses: Iterable[str],
) -> list[dict[str, Any]]:
    """The hub's identity, the report and the objects it refers to, ready to publish."""
    unknown = allow - set(ALLOWABLE)
    if unknown:
        raise InvalidSubmission(
            f"cannot allow {', '.join(sorted(unknown))}", hint=f"one of {', '.join(ALLOWABLE)}"
        )
    withheld = _Withheld(allow, hostnames, addresses)
    me = identity(hub, operator=True)
    marking = [MARKING_IDS[tlp]]
    kept: dict[str, dict[str, Any]] = {}
    for obj in incident.objects:
        clean = _clean(obj, withheld, me["id"], marking)
        if clean is not None:
            kept[clean["id"]] = clean
    for oid, obj in list(kept.items()):  # observations left with nothing to show go
        if obj["type"] == "observed-data":
            refs = [r for r in obj.get("object_refs", []) if r in kept]
            if refs:
                kept[oid] = {**obj, "object_refs": refs}
            else:
                del kept[oid]
    kept = {
        oid: obj
        for oid, obj in kept.items()
        if obj["type"] != "relationship"
        or (obj["source_ref"] in kept and obj["target_ref"] in kept)
    }
    extra = [me]
    if "agency" in allow:
        extra.append(identity(agency))
    refs = sorted(kept) + ([extra[1]["id"]] if "agency" in allow else [])
    if not refs:
        raise InvalidSubmission(
            "nothing of this incident can be shared: everything it holds identifies the victim",
            hint="allow what may go (--allow hostnames,addresses,text,agency)",
        )
    title = incident.title if "text" in allow else _summary(incident)
    made = stix2.Report(
        id=stix_id("report", incident.id),
        created=iso(incident.reported_at),
        modified=iso(incident.updated_at),
        published=iso(incident.updated_at),
        name=title,
        report_types=["threat-report"],
        object_refs=refs,
        created_by_ref=me["id"],
        object_marking_refs=marking,
        labels=[f"severity:{incident.severity}"],
    )
    return [*extra, plain(made), *kept.values()]


def _summary(incident: Incident) -> str:
    techniques = f"; techniques {', '.join(incident.techniques)}" if incident.techniques else ""
    return f"Incident reported {incident.first_activity:%Y-%m-%d}{techniques}"


def _clean(
    obj: dict[str, Any], withheld: _Withheld, hub_id: str, marking: list[str]
) -> dict[str, Any] | None:
    kind = obj["type"]
    if kind not in KEPT:
        return None
    if kind == "incident" and "text" not in withheld.allow:
        return None
    if kind in SCO_TYPES:
        value = obj.get("value")
        if isinstance(value, str) and withheld.value(f"{kind}:value", value):
            return None
    if kind == "indicator":
        keys = compile_simple(obj.get("pattern", "")) or []
        if any(withheld.value(path, value) for path, value in keys):
            return None
    out = {k: v for k, v in obj.items() if k not in ("granular_markings", "created_by_ref")}
    if "text" not in withheld.allow:
        out.pop("description", None)
    out["object_marking_refs"] = marking
    if kind not in SCO_TYPES:
        out["created_by_ref"] = hub_id
    return out
