"""The inventory document a collector delivers: one host's identity, software, network,
processes and configuration check results (the format of
`collectors.wire`, validated by the hub on receipt)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from collectors import wire
from collectors.endpoint import checks, network, processes
from collectors.endpoint.host import Host, identify
from collectors.endpoint.packages import FoundPackage, installed


def document(
    system_id: str | None,
    host: Host,
    packages: Sequence[FoundPackage],
    *,
    source: wire.Source = "endpoint",
    sockets: Sequence[network.Socket] = (),
    procs: Sequence[processes.Process] = (),
    results: Sequence[checks.CheckResult] = (),
    collected_at: datetime | None = None,
) -> wire.Inventory:
    """A new batch: its idempotency key is made here, once, and travels with it."""
    when = collected_at or datetime.now(UTC)
    doc: wire.Inventory = {
        "schema": "crsa-inventory/1",
        "batch_id": str(uuid.uuid4()),
        "source": source,
        "collected_at": when.isoformat(timespec="seconds"),
        "host": {
            "identifier": host.identifier,
            "hostname": host.hostname,
            "os_name": host.distro.pretty,
            "os_version": host.distro.version_id,
            "kernel": host.kernel,
            "addresses": list(host.addresses),
        },
        "packages": [{"purl": p.purl, "source": p.source} for p in packages],
        "ports": [_socket(s) for s in sockets if s.state == "listen"],
        "connections": [_socket(s) for s in sockets if s.state == "established"],
        "processes": [cast(wire.Process, dataclasses.asdict(p)) for p in procs],
        "checks": [cast(wire.Check, dataclasses.asdict(r)) for r in results],
    }
    if system_id:
        doc["system_id"] = system_id
    return doc


def _socket(s: network.Socket) -> wire.Socket:
    return cast(wire.Socket, dataclasses.asdict(s))


def collect(
    system_id: str | None, root: Path = Path("/"), policies: Sequence[Path] = ()
) -> tuple[wire.Inventory, Host, list[FoundPackage], list[str]]:
    """Everything from this host; the last element lists problems with extra policy files."""
    host = identify(root)
    packages = installed(root, host.distro)
    names = frozenset(p.purl.split("/")[-1].split("@")[0] for p in packages)
    results, problems = checks.evaluate(host.distro.family, checks.Context(root, names), policies)
    live = root == Path("/")
    doc = document(
        system_id,
        host,
        packages,
        sockets=network.sockets() if live else (),
        procs=processes.running() if live else (),
        results=results,
    )
    return doc, host, packages, problems
