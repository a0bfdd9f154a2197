"""The inventory document (`crsa-inventory/1`): what a collector delivers and the hub reads.

This module is the format, for both sides. The agent builds `Inventory` values with it;
the hub's validator (`hub.inventory.schema`) takes every name, enumeration and limit
from here, and a test holds its fields to these declarations, so the two cannot drift.
docs/inventory.schema.json is generated from the hub's validator. Standard library only:
it ships in the light collector distribution.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

SCHEMA = "crsa-inventory/1"
PATH = "/api/v1/inventory"  # where a hub receives documents (POST, gzip welcome)

Source = Literal["endpoint", "osquery"]
SocketProtocol = Literal["tcp", "tcp6", "udp", "udp6"]
SocketState = Literal["listen", "established"]
CheckSeverity = Literal["low", "medium", "high", "critical"]
CheckStatus = Literal["pass", "fail", "not_applicable", "error"]
DetectionKind = Literal["ipv4-addr", "ipv6-addr", "domain-name", "url", "file"]

# The most of each list one document may carry; a hub refuses a document over any of them.
MAX_ADDRESSES = 256
MAX_PACKAGES = 100_000
MAX_SOCKETS = 10_000
MAX_PROCESSES = 10_000
MAX_CHECKS = 5_000
MAX_DOMAINS = 10_000
MAX_URLS = 10_000
MAX_DETECTIONS = 10_000
BATCH_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"


class Host(TypedDict):
    identifier: str  # stable key of the host: machine-id, serial, instance id
    hostname: NotRequired[str]
    os_name: NotRequired[str]
    os_version: NotRequired[str]
    kernel: NotRequired[str]
    addresses: NotRequired[list[str]]


class PackageRef(TypedDict):
    purl: str
    source: NotRequired[str]


class Socket(TypedDict):
    protocol: SocketProtocol
    state: SocketState
    local_address: str
    local_port: int
    remote_address: NotRequired[str]
    remote_port: NotRequired[int]
    pid: NotRequired[int | None]
    process: NotRequired[str]


class Process(TypedDict):
    pid: int
    name: str
    exe: NotRequired[str]
    sha256: NotRequired[str]
    uid: NotRequired[int | None]
    cmdline: NotRequired[str]


class Check(TypedDict):
    id: str
    policy: str
    title: str
    severity: CheckSeverity
    status: CheckStatus
    detail: NotRequired[str]


class Detection(TypedDict):
    kind: DetectionKind
    value: str
    rule: NotRequired[str]
    detected_at: str  # ISO 8601 with a time zone


class Inventory(TypedDict):
    schema: Literal["crsa-inventory/1"]
    batch_id: str  # the idempotency key: made once, travels with the batch
    source: NotRequired[Source]
    collected_at: str  # ISO 8601 with a time zone
    system_id: NotRequired[str]
    host: Host
    packages: NotRequired[list[PackageRef]]
    ports: NotRequired[list[Socket]]
    connections: NotRequired[list[Socket]]
    processes: NotRequired[list[Process]]
    checks: NotRequired[list[Check]]
    domains: NotRequired[list[str]]
    urls: NotRequired[list[str]]
    detections: NotRequired[list[Detection]]
