"""Wire shapes of the threat API: the STIX objects partners and agencies exchange (indicators,
sightings), as TAXII serves them but with the listing conventions of the REST API, and the
incidents agencies report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hub.core.fields import ClientInput, Id, Reply, Short
from hub.core.records.incidents import IncidentState
from hub.sharing.incidents.schema import IncidentSeverity


class ThreatQuery(ClientInput):
    collection_id: Id | None = Field(
        default=None, description="one collection the token may read; default: all of them"
    )
    added_after: datetime | None = Field(
        default=None, description="only what the hub added after this time (TAXII added_after)"
    )
    next: Short | None = Field(default=None, description="the `next` of the previous page")
    limit: int = Field(default=100, ge=1, le=1000)


class ThreatOut(Reply):
    id: str = Field(description="the STIX id")
    type: str
    version: str = Field(description="the STIX `modified` (or `created`) of this version")
    collection_id: str
    date_added: datetime
    tlp: str = Field(description="the TLP 2.0 level the hub shares it under")
    object: dict[str, Any] = Field(
        description="the STIX 2.1 object, without the properties the token may not read"
    )


class ThreatPage(Reply):
    items: list[ThreatOut]
    next: str | None = Field(description="pass as `next` for the following page; null: last")


class ThreatObject(Reply):
    id: str
    type: str
    object: dict[str, Any] = Field(description="the newest version the token may read")
    collections: list[str] = Field(description="the readable collections that hold it")


class IncidentQuery(ClientInput):
    org_id: Id | None = None
    state: IncidentState | None = None
    after: Id | None = Field(default=None, description="exclusive cursor: the `next` of a page")
    limit: int = Field(default=100, ge=1, le=1000)


class IncidentReportQuery(ClientInput):
    org_id: Id | None = Field(
        default=None, description="the reporting agency, for an operator's STIX bundle"
    )
    severity: IncidentSeverity = "medium"
    system_id: Id | None = Field(
        default=None, description="a system of the agency the STIX incident affects"
    )


class LinkOut(Reply):
    kind: str = Field(description="indicator, sighting, vulnerability or incident")
    target: str
    reason: str
    org_id: str
    detail: dict[str, Any]


class IncidentOut(Reply):
    id: str = Field(description="the STIX id of its incident object")
    org_id: str
    title: str
    description: str
    state: IncidentState
    severity: str
    tlp: str
    first_activity: datetime
    last_activity: datetime
    reported_at: datetime
    updated_at: datetime
    reported_by: str
    owner: str
    asset_ids: list[str]
    system_ids: list[str]
    observables: list[str] = Field(description="`path=value`, as STIX patterns name them")
    techniques: list[str]
    vulnerabilities: list[str]


class IncidentPage(Reply):
    items: list[IncidentOut]
    next: str | None


class IncidentDetail(IncidentOut):
    links: list[LinkOut] = Field(description="what the hub correlated it with, and why")
    cluster: list[str] = Field(
        description="the incidents sharing observables with it, directly or through others"
    )
    objects: list[dict[str, Any]] = Field(description="its STIX objects")


class SharedReport(Reply):
    report_id: str
    collection_id: str
    new: bool = Field(description="false: the same report was shared already")
    objects: list[dict[str, Any]] = Field(description="what partners receive")
