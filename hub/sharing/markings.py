"""TLP 2.0 markings and who may read what carries them.

The rule is the one place sharing decisions are made, and every read path (objects,
object, versions, manifest, status, pages) applies it, in the store's query (`readable`)
or here (`may_read`), never by hand:

- RED never leaves the hub: no TAXII reader gets it;
- AMBER+STRICT only reaches the organization that owns it;
- AMBER reaches its owner and the organizations named in its audience;
- GREEN and CLEAR reach anyone with read rights on the collection.

An object's level is the most restrictive TLP marking it carries (TLP 1.0 markings are
read as their 2.0 equivalents); an object without one takes its collection's default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)

# The OASIS TLP 2.0 marking definitions (cti-stix-common-objects).
MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0, as the STIX 2.1 specification defines them, read as their 2.0 successors.
LEGACY_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
BY_ID: dict[str, Tlp] = {**{v: k for k, v in MARKING_IDS.items()}, **LEGACY_IDS}

# Levels any reader with rights on the collection may see.
OPEN_LEVELS = (Tlp.CLEAR, Tlp.GREEN)


def definition(tlp: Tlp) -> dict[str, Any]:
    """The OASIS marking-definition object for `tlp`, as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING_IDS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{tlp.value.upper()}",
        "extensions": {
            TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value}
        },
    }


def level(obj: dict[str, Any], default: Tlp) -> Tlp:
    """The most restrictive TLP marking on `obj`; `default` when it carries none."""
    if obj.get("type") == "marking-definition" and obj.get("id") in BY_ID:
        return Tlp.CLEAR  # the definitions themselves are public
    found = [BY_ID[ref] for ref in obj.get("object_marking_refs", []) if ref in BY_ID]
    return max(found, key=ORDER.index) if found else default


def may_read(tlp: Tlp | str, owner_org: str, audience: tuple[str, ...], reader_org: str) -> bool:
    tlp = Tlp(tlp)
    if tlp in OPEN_LEVELS:
        return True
    if tlp is Tlp.RED:
        return False
    if reader_org and reader_org == owner_org:
        return True
    return tlp is Tlp.AMBER and reader_org in audience
