"""What a client sends to report an incident: a form of the hub's own, or a STIX 2.1 bundle
holding one `incident` with its observables, indicators, techniques and vulnerabilities."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel

from hub.core.fields import ClientInput, Id, Name, Short, Text
from hub.core.records.incidents import IncidentState
from hub.sharing.markings import Tlp

Technique = Annotated[str, Field(pattern=r"^T\d{4}(\.\d{3})?$", description="ATT&CK id")]
VulnId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9.:_-]+$", max_length=64)]
IncidentSeverity = Literal["low", "medium", "high", "critical"]


class ObservableIn(ClientInput):
    type: Literal["ipv4-addr", "ipv6-addr", "domain-name", "url", "file"]
    value: Short = Field(description="the address, name or URL; for a file, its SHA-256")


class IncidentForm(ClientInput):
    """The hub's own form: what the dashboards' form and simple clients send."""

    org_id: Id | None = Field(default=None, description="the reporting agency (operators)")
    title: Name
    description: Text = ""
    severity: IncidentSeverity = "medium"
    tlp: Tlp = Tlp.AMBER
    first_activity: datetime
    last_activity: datetime | None = None
    assets: list[Id] = Field(default=[], max_length=1000, description="affected asset ids")
    systems: list[Id] = Field(default=[], max_length=1000, description="affected system ids")
    observables: list[ObservableIn] = Field(default=[], max_length=10_000)
    techniques: list[Technique] = Field(default=[], max_length=500)
    vulnerabilities: list[VulnId] = Field(default=[], max_length=500)


class BundleIn(ClientInput):
    """A STIX 2.1 bundle; each object is checked by the OASIS validator on arrival."""

    model_config = ConfigDict(extra="allow")
    type: Literal["bundle"]
    id: Short
    objects: list[dict[str, Any]] = Field(max_length=10_000)


class IncidentIn(RootModel[IncidentForm | BundleIn]):
    """Either shape: a body with `"type": "bundle"` is STIX, anything else the form."""


class IncidentPatch(ClientInput):
    state: IncidentState | None = None
    owner: Short | None = None
    severity: IncidentSeverity | None = None


class IncidentShare(ClientInput):
    collection_id: Id | None = Field(
        default=None, description="the TAXII collection; default: the share_collection setting"
    )
    tlp: Literal["clear", "green", "amber", "amber+strict"] | None = Field(
        default=None, description="the incident's own TLP (the default) or a stricter one"
    )
    allow: list[Literal["agency", "hostnames", "addresses", "text"]] = Field(
        default=[], description="what identifies the victim and may go anyway"
    )
