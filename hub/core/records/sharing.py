"""What the store keeps for sharing: collections, object versions, and POST statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.model import derive_id


@dataclass(frozen=True)
class TaxiiCollection:
    """A TAXII collection with who may read and write it (organization ids) and the TLP
    an object without markings takes."""

    id: str
    title: str
    description: str
    alias: str
    readers: tuple[str, ...]
    writers: tuple[str, ...]
    default_tlp: str
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "readers", tuple(self.readers))
        object.__setattr__(self, "writers", tuple(self.writers))


@dataclass(frozen=True)
class StixVersion:
    """One version of one STIX object in one collection.

    `version` is the object's `modified` (or `created`, or for objects without either, the
    time it was added), `first`/`last` mark its first and last versions so `match[version]`
    is an index lookup, and `tlp`, `owner_org` and `audience` decide who may read it.
    """

    id: str
    collection_id: str
    object_id: str
    type: str
    spec_version: str
    version: str
    date_added: datetime
    tlp: str
    owner_org: str
    audience: tuple[str, ...]
    first: bool
    last: bool
    deleted: bool  # DELETE keeps the row (a later POST may bring it back), hidden from reads
    object: dict[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "audience", tuple(self.audience))

    @staticmethod
    def key_id(collection_id: str, object_id: str, version: str) -> str:
        return derive_id("stix", collection_id, object_id, version)


@dataclass(frozen=True)
class TaxiiStatus:
    """The status resource of one POST: per object, success or the reason it was refused."""

    id: str
    collection_id: str
    owner_org: str
    status: str
    request_timestamp: datetime
    total_count: int
    success_count: int
    failure_count: int
    pending_count: int
    successes: tuple[dict[str, Any], ...]
    failures: tuple[dict[str, Any], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "successes", tuple(self.successes))
        object.__setattr__(self, "failures", tuple(self.failures))


@dataclass(frozen=True)
class TaxiiFeed:
    """A partner's TAXII collection synced into the hub's `collection_id`, its objects
    owned by the partner organization `org_id`. `added_after` is the bookmark: the latest
    date_added the partner reported; the credentials are the partner's, for this feed."""

    id: str
    org_id: str
    url: str
    collection_id: str  # the hub collection the objects land in
    username: str
    password: str
    added_after: str
    last_sync: datetime | None
    last_error: str
    received: int  # objects received (in) or pushed (out) so far
    # "in": the partner's collection fills `collection_id`; "out": `collection_id` is pushed
    # to the partner's, as far as TLP lets `org_id` read it, `added_after` being ours.
    direction: str = "in"


@dataclass(frozen=True)
class Sighting:
    """A partner indicator seen on an agency host (id from the pair). `active` while the
    indicator is live and the host still shows the observation. Scoring counts it as
    evidence of compromise (weighed by `profile`: the indicator's name, types, kill-chain
    phases, confidence, marking and source, and the hosts and agencies that see it), and
    weighs the host's findings by the policy's sighting factor while it is active."""

    id: str
    indicator_id: str
    org_id: str
    system_id: str
    asset_id: str
    first_seen: datetime
    last_seen: datetime
    active: bool
    profile: dict[str, Any] = field(default_factory=dict, hash=False)
