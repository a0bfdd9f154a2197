"""Who shared objects say did the seeing: the hub itself, or, when the sharing policy
allows it, the agencies by name.

The default policy names nobody but the hub: partners learn that an indicator was seen by
N agencies, not which. An operator can set `share_agency_names` when an agreement with its
partners allows it; the agencies then appear as STIX identities in `where_sighted_refs`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import stix2

from hub.core.model import Organization
from hub.core.settings import Settings
from hub.core.store import Store
from hub.sharing.desk import iso

NAMESPACE = uuid.UUID("6d0f4f3e-6a3c-5b43-9d55-2a4c3a1c9e10")  # the hub's STIX ids


def stix_id(kind: str, *key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *key)))}"


def identity(org: Organization, operator: bool = False) -> dict[str, Any]:
    """The hub (its operator organization), or an agency, as a STIX identity."""
    made = stix2.v21.Identity(
        id=stix_id("identity", org.id),
        created=iso(org.created_at),
        modified=iso(org.created_at),
        name=org.name,
        identity_class="organization",
        sectors=["government-national"],
        description=(
            "Continuous risk scoring and threat sharing hub for government agencies"
            if operator
            else "Government agency reporting to the hub"
        ),
    )
    return dict(json.loads(made.serialize()))


@dataclass(frozen=True)
class SharingPolicy:
    name_agencies: bool = False

    @classmethod
    def of(cls, settings: Settings) -> SharingPolicy:
        """The policy the operator set: every path that shares reads it from here."""
        return cls(name_agencies=settings.share_agency_names)

    def witnesses(
        self, store: Store, creator: str, org_ids: Iterable[str]
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """`where_sighted_refs` for something these agencies saw, and the identity objects
        those refs need shared beside it (none when agencies stay unnamed)."""
        if not self.name_agencies:
            return [creator], []
        found = [store.get_organization(o) for o in sorted(set(org_ids))]
        named = [identity(org) for org in found if org is not None]
        return [i["id"] for i in named] or [creator], named


ANONYMOUS = SharingPolicy()  # the default: the hub is every sighting's only witness
