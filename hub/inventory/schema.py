"""The hub's validator of the inventory document (`crsa-inventory/1`).

The format is `collectors.wire`: every enumeration and limit below comes from there,
and tests/collectors/test_wire.py holds these fields to its declarations. This module
adds what only a receiver checks (lengths, printable names, addresses that parse);
docs/inventory.schema.json is generated from it and a test keeps it equal."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from collectors import wire
from collectors.endpoint.redact import scrub
from hub.core.fields import ClientInput, Id, Name, Reply, Short

Text = Annotated[str, Field(max_length=2000)]


class HostIn(ClientInput):
    identifier: Name = Field(description="stable key of the host: machine-id, serial, instance id")
    hostname: Short = ""
    os_name: Short = ""
    os_version: Short = ""
    kernel: Short = ""
    addresses: list[Short] = Field(default_factory=list, max_length=wire.MAX_ADDRESSES)


class PackageRef(ClientInput):
    purl: Annotated[str, Field(min_length=5, max_length=1000)]
    source: Short = ""


class SocketIn(ClientInput):
    protocol: wire.SocketProtocol
    state: wire.SocketState
    local_address: Short
    local_port: int = Field(ge=0, le=65535)
    remote_address: Short = ""
    remote_port: int = Field(default=0, ge=0, le=65535)
    pid: int | None = None
    process: Short = ""


class ProcessIn(ClientInput):
    pid: int = Field(ge=0)
    name: Short
    exe: Text = ""
    sha256: Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")] = ""
    uid: int | None = None
    cmdline: Annotated[str, Field(max_length=2000)] = ""  # control characters scrubbed below

    @field_validator("cmdline")
    @classmethod
    def _scrubbed(cls, value: str) -> str:
        """Collectors before 0.1 sent secrets in command lines (their own `--token`): the
        hub never stores, so never shows, a value that looks like one."""
        return scrub(value)


class CheckIn(ClientInput):
    id: Annotated[str, Field(min_length=1, max_length=128)]
    policy: Short
    title: Text
    severity: wire.CheckSeverity
    status: wire.CheckStatus
    detail: Text = ""


class DetectionIn(ClientInput):
    """Something the agency's own tools flagged as malicious on this host (an EDR alert, an
    IDS rule, a proxy block): the hub turns detections across agencies into indicators it
    shares, counted, never naming the agency."""

    kind: wire.DetectionKind = Field(
        description="what was detected; for `file`, `value` is the SHA-256"
    )
    value: Annotated[str, Field(min_length=1, max_length=2000)]
    rule: Short = Field(default="", description="the rule or signature that fired")
    detected_at: AwareDatetime

    @model_validator(mode="after")
    def _value_fits_kind(self) -> DetectionIn:
        if self.kind == "file" and not re.fullmatch(r"[0-9a-f]{64}", self.value):
            raise ValueError("a file detection's value is its SHA-256: 64 lower-case hex digits")
        if self.kind in ("ipv4-addr", "ipv6-addr"):
            try:
                address = ipaddress.ip_address(self.value)
            except ValueError:
                raise ValueError(f"{self.value!r} is not an IP address") from None
            if f"ipv{address.version}-addr" != self.kind:
                raise ValueError(f"{self.value!r} is not an {self.kind}")
        return self


class InventoryIn(ClientInput):
    """One batch from one host."""

    schema_: Literal["crsa-inventory/1"] = Field(alias="schema")
    batch_id: Annotated[str, Field(min_length=8, max_length=128, pattern=wire.BATCH_ID_PATTERN)]
    source: wire.Source = "endpoint"
    collected_at: AwareDatetime
    system_id: Id | None = Field(
        default=None,
        description="the host's system; may be left out once the host is known to the hub",
    )
    host: HostIn
    packages: list[PackageRef] = Field(default_factory=list, max_length=wire.MAX_PACKAGES)
    ports: list[SocketIn] = Field(default_factory=list, max_length=wire.MAX_SOCKETS)
    connections: list[SocketIn] = Field(default_factory=list, max_length=wire.MAX_SOCKETS)
    processes: list[ProcessIn] = Field(default_factory=list, max_length=wire.MAX_PROCESSES)
    checks: list[CheckIn] = Field(default_factory=list, max_length=wire.MAX_CHECKS)
    domains: list[Short] = Field(
        default_factory=list,
        max_length=wire.MAX_DOMAINS,
        description="domain names the host looked up (from its resolver, EDR or proxy)",
    )
    urls: list[Text] = Field(
        default_factory=list,
        max_length=wire.MAX_URLS,
        description="URLs the host fetched (proxy, EDR)",
    )
    detections: list[DetectionIn] = Field(default_factory=list, max_length=wire.MAX_DETECTIONS)


class ReceiptOut(Reply):
    batch_id: str
    duplicate: bool = Field(description="true when this batch had been stored before")
    asset_id: str
    packages: int
    added: int
    removed: int
    findings_opened: int
    findings_fixed: int


class TelemetryOut(Reply):
    asset_id: str
    collected_at: datetime
    kernel: str
    checks_failed: int
    checks_passed: int
    ports: list[dict[str, object]]
    connections: list[dict[str, object]]
    processes: list[dict[str, object]]
    checks: list[dict[str, object]]
    domains: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    detections: list[dict[str, object]] = Field(default_factory=list)
