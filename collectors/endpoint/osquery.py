"""Inventory from osquery, for Windows and macOS fleets that already run it.

Reads what osquery writes: `osqueryi --json` output (an array of rows, its table
named with --table or recognised by its columns), a JSON object of table to rows,
or osqueryd result logs (JSON lines with `name` and `columns` or `snapshot`, the
table recognised from the query name or the columns). Rows become the same
inventory document the Linux collector sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from collectors import wire
from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.network import Socket
from collectors.endpoint.packages import FoundPackage
from collectors.endpoint.processes import Process
from collectors.endpoint.redact import scrub

# Columns that identify each table osquery documents (a subset of each table's schema).
SIGNATURES: dict[str, frozenset[str]] = {
    "deb_packages": frozenset({"name", "version", "source", "arch", "revision"}),
    "rpm_packages": frozenset({"name", "version", "release", "epoch", "arch"}),
    "programs": frozenset({"name", "version", "publisher", "install_location"}),
    "apps": frozenset({"name", "bundle_identifier", "bundle_short_version"}),
    "python_packages": frozenset({"name", "version", "path", "directory"}),
    "os_version": frozenset({"name", "major", "minor", "platform"}),
    "system_info": frozenset({"hostname", "uuid", "cpu_brand"}),
    "listening_ports": frozenset({"pid", "port", "protocol", "family", "address"}),
    "process_open_sockets": frozenset(
        {"pid", "local_address", "remote_address", "local_port", "remote_port"}
    ),
    "processes": frozenset({"pid", "name", "path", "cmdline", "uid"}),
    "hash": frozenset({"path", "sha256"}),
}
TABLES = tuple(SIGNATURES)


class OsqueryError(ValueError):
    """Input that is not osquery output; the message says what was expected."""


def table_of(columns: set[str], hint: str = "") -> str:
    for table in sorted(TABLES, key=len, reverse=True):
        if table in hint:
            return table
    matches = [t for t, sig in SIGNATURES.items() if sig <= columns]
    if not matches:
        raise OsqueryError(f"rows with columns {sorted(columns)[:8]} match no supported table")
    return max(matches, key=lambda t: len(SIGNATURES[t]))


def read(text: str, table: str = "") -> dict[str, list[dict[str, Any]]]:
    """Rows per table from any of the three shapes."""
    tables: dict[str, list[dict[str, Any]]] = {}
    stripped = text.strip()
    if not stripped:
        raise OsqueryError("the file is empty")
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    if isinstance(whole, list):
        rows = [r for r in whole if isinstance(r, dict)]
        if rows:
            tables.setdefault(table or table_of(set(rows[0])), []).extend(rows)
        return tables
    if isinstance(whole, dict) and "name" not in whole:
        for name, rows in whole.items():
            if name not in SIGNATURES or not isinstance(rows, list):
                raise OsqueryError(
                    f"{name!r} is not a supported osquery table ({', '.join(TABLES)})"
                )
            tables.setdefault(name, []).extend(r for r in rows if isinstance(r, dict))
        return tables
    for n, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise OsqueryError(f"line {n} is not JSON (osqueryd results are JSON lines)") from None
        rows = entry.get("snapshot") or ([entry["columns"]] if entry.get("columns") else [])
        if entry.get("action") == "removed" or not rows:
            continue
        name = table or table_of(set(rows[0]), str(entry.get("name", "")))
        tables.setdefault(name, []).extend(rows)
    return tables


def _purl(kind: str, namespace: str | None, name: str, version: str, **q: str) -> str:
    qualifiers = {k: v for k, v in q.items() if v}
    return PackageURL(kind, namespace, name, version, qualifiers or None).to_string()


def _packages(tables: dict[str, list[dict[str, Any]]], distro_id: str) -> Iterator[FoundPackage]:
    deb_ns = "ubuntu" if distro_id == "ubuntu" else "debian"
    for r in tables.get("deb_packages", []):
        source = str(r.get("source") or "").split(" ")[0]
        upstream = source if source and source != r["name"] else ""
        purl = _purl(
            "deb", deb_ns, r["name"], r["version"], arch=r.get("arch", ""), upstream=upstream
        )
        yield FoundPackage(purl, "osquery:deb_packages")
    for r in tables.get("rpm_packages", []):
        version = f"{r['version']}-{r['release']}" if r.get("release") else r["version"]
        epoch = "" if str(r.get("epoch", "")) in ("", "0") else str(r["epoch"])
        purl = _purl(
            "rpm", distro_id or "redhat", r["name"], version, arch=r.get("arch", ""), epoch=epoch
        )
        yield FoundPackage(purl, "osquery:rpm_packages")
    for r in tables.get("python_packages", []):
        if r.get("name") and r.get("version"):
            purl = _purl("pypi", None, str(r["name"]).lower(), r["version"])
            yield FoundPackage(purl, "osquery:python_packages")
    for r in tables.get("programs", []):
        if r.get("name") and r.get("version"):
            publisher = str(r.get("publisher") or "").strip() or None
            yield FoundPackage(
                _purl("generic", publisher, r["name"], r["version"]), "osquery:programs"
            )
    for r in tables.get("apps", []):
        version = r.get("bundle_short_version") or r.get("bundle_version")
        if r.get("bundle_identifier") and version:
            purl = _purl("generic", "apple-app", r["bundle_identifier"], version)
            yield FoundPackage(purl, "osquery:apps")


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _process(r: dict[str, Any], hashes: dict[str, str]) -> Process:
    path = str(r.get("path", ""))
    return Process(
        pid=_int(r.get("pid")),
        name=str(r.get("name", "")),
        exe=path,
        sha256=str(hashes.get(path, "")),
        uid=_int(r.get("uid"), -1),
        cmdline=scrub(str(r.get("cmdline", "")))[:500],
    )


def _socket(r: dict[str, Any], state: str, names: dict[int, str]) -> Socket:
    v6 = str(r.get("family")) == "10"
    udp = str(r.get("protocol")) == "17"
    protocol = ("udp" if udp else "tcp") + ("6" if v6 else "")
    pid = _int(r.get("pid"))
    local = r.get("address", r.get("local_address", ""))
    local_port = r.get("port", r.get("local_port"))
    return Socket(
        protocol=protocol,
        state=state,
        local_address=str(local),
        local_port=_int(local_port),
        remote_address=str(r.get("remote_address", "")),
        remote_port=_int(r.get("remote_port")),
        pid=pid or None,
        process=names.get(pid, ""),
    )


def to_document(system_id: str | None, tables: dict[str, list[dict[str, Any]]]) -> wire.Inventory:
    os_row = (tables.get("os_version") or [{}])[0]
    info = (tables.get("system_info") or [{}])[0]
    platform = str(os_row.get("platform") or os_row.get("platform_like") or "")
    distro = Distro(platform, str(os_row.get("version", "")), (), str(os_row.get("name", "")))
    identifier = str(info.get("uuid") or info.get("hardware_serial") or info.get("hostname") or "")
    if not identifier:
        raise OsqueryError("no host identity: include the system_info table (uuid, hostname)")
    host = Host(identifier, str(info.get("hostname", "")), distro, str(os_row.get("build", "")), ())
    hashes = {r["path"]: r["sha256"] for r in tables.get("hash", []) if r.get("sha256")}
    procs = [_process(r, hashes) for r in tables.get("processes", [])]
    names = {p.pid: p.name for p in procs}
    sockets = [
        _socket(r, "listen", names)
        for r in tables.get("listening_ports", [])
        if str(r.get("protocol")) in ("6", "17")
    ] + [
        _socket(r, "established", names)
        for r in tables.get("process_open_sockets", [])
        if str(r.get("state", "ESTABLISHED")).upper() == "ESTABLISHED"
        and _int(r.get("remote_port"))
    ]
    packages = sorted(
        {p.purl: p for p in _packages(tables, platform)}.values(), key=lambda p: p.purl
    )
    return document(system_id, host, packages, source="osquery", sockets=sockets, procs=procs)


def load(path: Path, system_id: str | None, table: str = "") -> wire.Inventory:
    if table and table not in SIGNATURES:
        raise OsqueryError(f"table {table!r} is not supported; supported: {', '.join(TABLES)}")
    return to_document(system_id, read(path.read_text(encoding="utf-8"), table))
