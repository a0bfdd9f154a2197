"""Listening ports and established connections from /proc/net, with the owning process.

Read straight from the kernel's tables (no `ss` or `netstat` needed); sockets are
tied to processes through the `socket:[inode]` links in /proc/<pid>/fd, which
needs root for other users' processes (without it, the pid is left out).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

STATES = {"0A": "listen", "01": "established"}
MAX_CONNECTIONS = 2000


@dataclass(frozen=True)
class Socket:
    protocol: str  # tcp | tcp6 | udp | udp6
    state: str  # listen | established
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    pid: int | None
    process: str


def _address(hex_addr: str) -> tuple[str, int]:
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    if len(raw) == 4:
        ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:  # four little-endian 32-bit words
        words = struct.unpack("<4I", raw)
        ip = str(ipaddress.IPv6Address(struct.pack(">4I", *words)))
    return ip, int(port, 16)


def _owners(proc: Path) -> dict[str, tuple[int, str]]:
    owners: dict[str, tuple[int, str]] = {}
    for pid_dir in proc.glob("[0-9]*"):
        try:
            name = (pid_dir / "comm").read_text().strip()
            for fd in (pid_dir / "fd").iterdir():
                target = str(fd.readlink())
                if target.startswith("socket:["):
                    owners[target[8:-1]] = (int(pid_dir.name), name)
        except OSError:
            continue
    return owners


def sockets(proc: Path = Path("/proc")) -> list[Socket]:
    owners = _owners(proc)
    found: list[Socket] = []
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = (proc / "net" / protocol).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 10:
                continue
            state = (
                "listen" if protocol.startswith("udp") and cols[3] == "07" else STATES.get(cols[3])
            )
            if state is None:
                continue
            local, lport = _address(cols[1])
            remote, rport = _address(cols[2])
            pid, name = owners.get(cols[9], (None, ""))
            found.append(Socket(protocol, state, local, lport, remote, rport, pid, name))
    listening = [s for s in found if s.state == "listen"]
    established = [s for s in found if s.state == "established"][:MAX_CONNECTIONS]
    return sorted(set(listening), key=lambda s: (s.protocol, s.local_port)) + established
