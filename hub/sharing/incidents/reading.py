"""A report, whichever shape it came in, read into what the hub keeps of an incident.

A form is turned into the STIX objects it stands for (the incident, its observables as
observed-data, its techniques as ATT&CK attack-patterns, its vulnerabilities), built with
the `stix2` library, so that sharing an incident back works the same whichever way it
arrived. A bundle's objects are each checked by the OASIS validator; an error names the
object and what is wrong with it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stix2

from hub.core.errors import InvalidSubmission
from hub.sharing.desk import stix_problem, stix_time
from hub.sharing.identities import stix_id
from hub.sharing.incidents.schema import BundleIn, IncidentForm
from hub.sharing.ioc import compile_simple
from hub.sharing.markings import MARKING_IDS, Tlp, level

SCO_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url", "file")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Report:
    incident_id: str
    title: str
    description: str
    tlp: Tlp
    first_activity: datetime
    last_activity: datetime
    observables: tuple[str, ...]
    techniques: tuple[str, ...]
    vulnerabilities: tuple[str, ...]
    objects: tuple[dict[str, Any], ...]


def key(sco: dict[str, Any]) -> str | None:
    """The observable as the IOC matcher names it (`path=value`), or None for an object
    the hub does not correlate."""
    kind = sco.get("type")
    if kind == "file":
        digest = (sco.get("hashes") or {}).get("SHA-256")
        return f"file:hashes.SHA-256={digest.lower()}" if isinstance(digest, str) else None
    if kind in SCO_TYPES and isinstance(sco.get("value"), str):
        return f"{kind}:value={sco['value']}"
    return None


def sco(observable_key: str) -> dict[str, Any]:
    """The SCO a key stands for: what the IOC matcher's observations are made of."""
    path, value = observable_key.split("=", 1)
    kind = path.split(":", 1)[0]
    if kind == "file":
        return {"type": "file", "hashes": {"SHA-256": value}}
    return {"type": kind, "value": value}


def plain(obj: Any) -> dict[str, Any]:
    return dict(json.loads(obj.serialize()))


def from_form(form: IncidentForm, org_id: str, digest: str) -> Report:
    incident_id = stix_id("incident", org_id, digest)
    first = form.first_activity
    last = form.last_activity or first
    if last < first:
        raise InvalidSubmission("last_activity is before first_activity")
    marking = [MARKING_IDS[form.tlp]]
    scos = []
    for n, o in enumerate(form.observables):
        if o.type == "file":
            if not _SHA256.match(o.value):
                raise InvalidSubmission(f"observables.{n}.value: a file is named by its SHA-256")
            scos.append(stix2.File(hashes={"SHA-256": o.value.lower()}))
        else:
            made = {"ipv4-addr": stix2.IPv4Address, "ipv6-addr": stix2.IPv6Address,
                    "domain-name": stix2.DomainName, "url": stix2.URL}[o.type]  # fmt: skip
            try:
                scos.append(made(value=o.value))
            except stix2.exceptions.STIXError as exc:
                raise InvalidSubmission(f"observables.{n}.value: {exc}") from None
    incident = stix2.Incident(
        id=incident_id,
        created=first,
        modified=last,
        name=form.title,
        description=form.description or None,
        object_marking_refs=marking,
        allow_custom=False,
    )
    objects: list[Any] = [incident, *scos]
    related: list[str] = []
    if scos:
        observed = stix2.ObservedData(
            id=stix_id("observed-data", incident_id),
            created=first,
            modified=last,
            first_observed=first,
            last_observed=last,
            number_observed=1,
            object_refs=[s.id for s in scos],
            object_marking_refs=marking,
        )
        objects.append(observed)
        related.append(observed.id)
    for t in dict.fromkeys(form.techniques):
        pattern = stix2.AttackPattern(
            id=stix_id("attack-pattern", t),
            created=first,
            modified=first,
            name=t,
            external_references=[{"source_name": "mitre-attack", "external_id": t}],
        )
        objects.append(pattern)
        related.append(pattern.id)
    for v in dict.fromkeys(form.vulnerabilities):
        refs = [{"source_name": "cve", "external_id": v}] if _CVE.match(v) else []
        vuln = stix2.Vulnerability(
            id=stix_id("vulnerability", v),
            created=first,
            modified=first,
            name=v,
            external_references=refs or None,
        )
        objects.append(vuln)
        related.append(vuln.id)
    for target in related:
        objects.append(
            stix2.Relationship(
                id=stix_id("relationship", incident_id, target),
                created=first,
                modified=first,
                relationship_type="related-to",
                source_ref=incident_id,
                target_ref=target,
                object_marking_refs=marking,
            )
        )
    stix = tuple(plain(o) for o in objects)
    return Report(
        incident_id=incident_id,
        title=form.title,
        description=form.description,
        tlp=form.tlp,
        first_activity=first,
        last_activity=last,
        observables=tuple(sorted({k for s in stix if (k := key(s))})),
        techniques=tuple(sorted(set(form.techniques))),
        vulnerabilities=tuple(sorted(set(form.vulnerabilities))),
        objects=stix,
    )


def from_bundle(bundle: BundleIn) -> Report:
    objects = bundle.objects
    for n, obj in enumerate(objects):
        problem = stix_problem(obj)
        if problem:
            raise InvalidSubmission(f"objects.{n} ({obj.get('id', 'no id')}): {problem}")
    incidents = [o for o in objects if o["type"] == "incident"]
    if len(incidents) != 1:
        raise InvalidSubmission(
            f"the bundle holds {len(incidents)} incident objects; report one at a time",
            hint="one bundle per incident, with its observables, indicators and techniques",
        )
    incident = incidents[0]
    by_id = {o["id"]: o for o in objects}
    observed: set[str] = set()
    times = [stix_time(incident["created"]), stix_time(incident["modified"])]
    techniques: set[str] = set()
    vulns: set[str] = set()
    for obj in objects:
        kind = obj["type"]
        if kind in SCO_TYPES and (k := key(obj)):
            observed.add(k)
        elif kind == "observed-data":
            times += [stix_time(obj["first_observed"]), stix_time(obj["last_observed"])]
            embedded = obj.get("objects", {})
            refs = [by_id.get(r, {}) for r in obj.get("object_refs", [])]
            for sco_obj in [*refs, *(embedded.values() if isinstance(embedded, dict) else [])]:
                if isinstance(sco_obj, dict) and (k := key(sco_obj)):
                    observed.add(k)
        elif kind == "indicator" and obj.get("pattern_type", "stix") == "stix":
            observed |= {f"{p}={v}" for p, v in compile_simple(obj["pattern"]) or []}
        elif kind == "attack-pattern":
            techniques |= {
                r["external_id"]
                for r in obj.get("external_references", [])
                if r.get("source_name") == "mitre-attack"
                and _TECHNIQUE.match(str(r.get("external_id", "")))
            }
        elif kind == "vulnerability":
            names = {obj.get("name", "")} | {
                r.get("external_id", "")
                for r in obj.get("external_references", [])
                if r.get("source_name") == "cve"
            }
            vulns |= {n for n in names if _CVE.match(str(n))}
    return Report(
        incident_id=incident["id"],
        title=str(incident.get("name", "")),
        description=str(incident.get("description", "")),
        tlp=level(incident, Tlp.AMBER),
        first_activity=min(times),
        last_activity=max(times),
        observables=tuple(sorted(observed)),
        techniques=tuple(sorted(techniques)),
        vulnerabilities=tuple(sorted(vulns)),
        objects=tuple(objects),
    )


__all__ = ["Report", "from_bundle", "from_form", "key", "plain", "sco"]
