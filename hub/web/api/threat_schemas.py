"""Wire shapes of the threat API: the STIX objects partners and agencies exchange (indicators,
sightings), as TAXII serves them but with the listing conventions of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hub.core.fields import ClientInput, Id, Reply, Short


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
