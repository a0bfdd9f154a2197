"""The inventory document collectors deliver (`crsa-inventory/1`); docs/inventory.schema.json
is generated from these classes and a test keeps it equal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from hub.api.schemas import Id, Name, Short, _In, _Out

Text = Annotated[str, Field(max_length=2000)]


class HostIn(_In):
    identifier: Name = Field(description="stable key of the host: machine-id, serial, instance id")
    hostname: Short = ""
    os_name: Short = ""
    os_version: Short = ""
    kernel: Short = ""
    addresses: list[Short] = Field(default_factory=list, max_length=256)


class PackageRef(_In):
    purl: Annotated[str, Field(min_length=5, max_length=1000)]
    source: Short = ""


class SocketIn(_In):
    protocol: Literal["tcp", "tcp6", "udp", "udp6"]
    state: Literal["listen", "established"]
    local_address: Short
    local_port: int = Field(ge=0, le=65535)
    remote_address: Short = ""
    remote_port: int = Field(default=0, ge=0, le=65535)
    pid: int | None = None
    process: Short = ""


class ProcessIn(_In):
    pid: int = Field(ge=0)
    name: Short
    exe: Text = ""
    sha256: Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")] = ""
    uid: int | None = None
    cmdline: Text = ""


class CheckIn(_In):
    id: Annotated[str, Field(min_length=1, max_length=128)]
    policy: Short
    title: Text
    severity: Literal["low", "medium", "high", "critical"]
    status: Literal["pass", "fail", "not_applicable", "error"]
    detail: Text = ""


class InventoryIn(_In):
    """One batch from one host."""

    schema_: Literal["crsa-inventory/1"] = Field(alias="schema")
    batch_id: Annotated[str, Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
    source: Literal["endpoint", "osquery"] = "endpoint"
    collected_at: AwareDatetime
    system_id: Id | None = Field(
        default=None,
        description="the host's system; may be left out once the host is known to the hub",
    )
    host: HostIn
    packages: list[PackageRef] = Field(default_factory=list, max_length=100_000)
    ports: list[SocketIn] = Field(default_factory=list, max_length=10_000)
    connections: list[SocketIn] = Field(default_factory=list, max_length=10_000)
    processes: list[ProcessIn] = Field(default_factory=list, max_length=10_000)
    checks: list[CheckIn] = Field(default_factory=list, max_length=5_000)


class ReceiptOut(_Out):
    batch_id: str
    duplicate: bool = Field(description="true when this batch had been stored before")
    asset_id: str
    packages: int
    added: int
    removed: int
    findings_opened: int
    findings_fixed: int


class TelemetryOut(_Out):
    asset_id: str
    collected_at: datetime
    kernel: str
    checks_failed: int
    checks_passed: int
    ports: list[dict[str, object]]
    connections: list[dict[str, object]]
    processes: list[dict[str, object]]
    checks: list[dict[str, object]]
