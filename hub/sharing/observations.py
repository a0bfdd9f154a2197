"""What each host was seen doing, as STIX Cyber-observable Objects: the remote addresses
of its connections (ipv4-addr, ipv6-addr), its running executables (file: name and
SHA-256), and the domain names and URLs its resolver or proxy saw (domain-name, url).

Every observable is its own observation (one observed-data), so that patterns joining
observations (AND, OR, FOLLOWEDBY between brackets) mean what the specification says:
different observations on the same host. The bundle built here is what stix2-matcher
reads; `flat` is what the hub's index reads, so both see the same objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.store import Store
from hub.core.store.interface import TELEMETRY

_NS = uuid.UUID("3e1c9a52-8f7d-5b0e-a1f4-6d2b7c9e0a11")
Sco = dict[str, Any]


def address(value: str) -> Sco:
    return {"type": "ipv6-addr" if ":" in value else "ipv4-addr", "value": value}


def executable(name: str, sha256: str) -> Sco:
    sco: Sco = {"type": "file", "name": name}
    if sha256:
        sco["hashes"] = {"SHA-256": sha256}
    return sco


def flat(sco: Sco) -> Iterator[tuple[str, Any]]:
    """(`type:property[.key]`, value) for every scalar property, the object paths of
    STIX patterns; lists and deeper nesting come out under their path with value None so
    that an index knows it cannot answer for them."""
    kind = sco["type"]
    for name, value in sco.items():
        if name in ("type", "id", "spec_version"):
            continue
        if isinstance(value, dict):
            for key, inner in value.items():
                scalar = isinstance(inner, str | int | float | bool)
                yield f"{kind}:{name}.{key}", inner if scalar else None
        elif isinstance(value, str | int | float | bool):
            yield f"{kind}:{name}", value
        else:
            yield f"{kind}:{name}", None


@dataclass(frozen=True)
class Host:
    asset_id: str
    org_id: str
    system_id: str
    observed_at: datetime
    objects: tuple[Sco, ...] = field(hash=False, compare=False)

    def bundle(self, types: frozenset[str] | None = None) -> list[dict[str, Any]]:
        """One bundle of one observed-data per observable, as stix2-matcher reads it;
        with `types`, only the observations of those object types. A pattern can only
        match observations holding the types it names (each comparison reads objects of
        its type), so leaving the others out changes no answer and saves the matcher
        reading them."""
        stamp = self.observed_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        objects: list[dict[str, Any]] = []
        for sco in self.objects:
            if types is not None and sco["type"] not in types:
                continue
            key = repr(sorted(sco.items()))
            sco_id = f"{sco['type']}--{uuid.uuid5(_NS, key)}"
            objects.append(
                {
                    "type": "observed-data",
                    "spec_version": "2.1",
                    "id": f"observed-data--{uuid.uuid5(_NS, self.asset_id + key)}",
                    "created": stamp,
                    "modified": stamp,
                    "first_observed": stamp,
                    "last_observed": stamp,
                    "number_observed": 1,
                    "object_refs": [sco_id],
                }
            )
            objects.append({**sco, "id": sco_id})
        bundle_id = f"bundle--{uuid.uuid5(_NS, 'bundle' + self.asset_id)}"
        return [{"type": "bundle", "id": bundle_id, "objects": objects}]


def unique(scos: Iterable[Sco]) -> tuple[Sco, ...]:
    seen: dict[str, Sco] = {}
    for sco in scos:
        seen.setdefault(repr(sorted(sco.items())), sco)
    return tuple(seen.values())


def from_telemetry(data: dict[str, Any]) -> tuple[Sco, ...]:
    scos: list[Sco] = []
    for c in data.get("connections", []):
        if c.get("remote_address"):
            scos.append(address(c["remote_address"]))
    for p in data.get("processes", []):
        if p.get("sha256") or p.get("name"):
            scos.append(executable(p.get("name", ""), p.get("sha256", "")))
    scos.extend({"type": "domain-name", "value": d} for d in data.get("domains", []))
    scos.extend({"type": "url", "value": u} for u in data.get("urls", []))
    return unique(scos)


def hosts(store: Store) -> Iterator[Host]:
    for t in store.iter_all(TELEMETRY):
        yield Host(t.id, t.org_id, t.system_id, t.collected_at, from_telemetry(t.data))
