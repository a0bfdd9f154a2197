"""Who the host is: OS release, kernel, hostname, a stable identifier and its addresses.

Everything reads below `root` (normally `/`), so tests point it at a fixture tree.
"""

from __future__ import annotations

import ipaddress
import json
import platform
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Distro:
    id: str  # os-release ID: debian, ubuntu, rhel, rocky, alpine ...
    version_id: str
    like: tuple[str, ...]
    pretty: str

    @property
    def family(self) -> str:
        """debian, rhel or alpine: which package manager and policy apply."""
        ids = {self.id, *self.like}
        if ids & {"debian", "ubuntu"}:
            return "debian"
        if ids & {"rhel", "fedora", "centos", "rocky", "almalinux"}:
            return "rhel"
        return self.id


@dataclass(frozen=True)
class Host:
    identifier: str
    hostname: str
    distro: Distro
    kernel: str
    addresses: tuple[str, ...]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def os_release(root: Path) -> Distro:
    text = _read(root / "etc/os-release") or _read(root / "usr/lib/os-release")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"').strip("'")
    return Distro(
        id=fields.get("ID", "linux").lower(),
        version_id=fields.get("VERSION_ID", ""),
        like=tuple(fields.get("ID_LIKE", "").lower().split()),
        pretty=fields.get("PRETTY_NAME", "Linux"),
    )


def addresses() -> tuple[str, ...]:
    """Global and private unicast addresses, loopback and link-local left out."""
    found: set[str] = set()
    ip = shutil.which("ip")
    if ip:
        try:
            out = subprocess.run(
                [ip, "-j", "address"], capture_output=True, text=True, timeout=10, check=True
            ).stdout
            for link in json.loads(out or "[]"):
                for info in link.get("addr_info", []):
                    found.add(str(info.get("local", "")))
        except (subprocess.SubprocessError, ValueError, OSError):
            pass
    if not found:
        try:
            for family, *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None):
                if family in (socket.AF_INET, socket.AF_INET6):
                    found.add(str(sockaddr[0]))
        except OSError:
            pass
    kept = []
    for a in found:
        try:
            parsed = ipaddress.ip_address(a.split("%", 1)[0])
        except ValueError:
            continue
        if not (parsed.is_loopback or parsed.is_link_local or parsed.is_unspecified):
            kept.append(str(parsed))
    return tuple(sorted(kept))


def identify(root: Path) -> Host:
    machine_id = _read(root / "etc/machine-id").strip()
    live = root == Path("/")
    hostname = socket.gethostname() if live else _read(root / "etc/hostname").strip()
    return Host(
        identifier=machine_id or hostname or "unknown-host",
        hostname=hostname,
        distro=os_release(root),
        kernel=platform.release() if live else "",
        addresses=addresses() if live else (),
    )
