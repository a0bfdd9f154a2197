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

Granular markings (STIX 2.1 s7.2.3) mark single properties. A reader not cleared for a
property's marking gets the object without that property (`as_read_by`): the whole
top-level property a selector points into is removed, with the granular entries that
pointed at it. When that would leave an object that is not valid STIX (a required
property, such as an indicator's pattern, is marked more strictly than the object),
the object as a whole takes the stricter level when it is stored, and is withheld from
every reader not cleared for it (`SharingDesk.keep`). A marking reference that is not a
well-formed identifier is refused at POST (`malformed`), never served as unmarked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


def custodian_may_see(tlp: Tlp | str, owner_org: str, reader_org: str) -> bool:
    """What the hub's own analysts may look at on its pages: everything it holds for the
    agencies, as its custodian, except TLP:RED, which is for its named recipients only."""
    return Tlp(tlp) is not Tlp.RED or owner_org == reader_org


MARKING_REF = re.compile(
    r"^marking-definition--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
# Properties no granular marking may take away: without them nothing is left to serve.
PROTECTED = frozenset(
    {"type", "id", "spec_version", "created", "modified", "object_marking_refs",
     "granular_markings"}
)  # fmt: skip


def malformed(obj: dict[str, Any]) -> str:
    """Why the object's markings cannot be honoured ('' when they can)."""
    refs = obj.get("object_marking_refs", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        return "'object_marking_refs' must be a list of identifiers"
    bad = [r for r in refs if not MARKING_REF.match(r)]
    if bad:
        return f"marking reference {bad[0]!r} is not a marking-definition identifier in lower case"
    entries = obj.get("granular_markings", [])
    if not isinstance(entries, list):
        return "'granular_markings' must be a list"
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            return f"granular_markings[{n}] must be an object"
        ref = entry.get("marking_ref")
        if ref is None and not isinstance(entry.get("lang"), str):
            return f"granular_markings[{n}] needs a marking_ref or a lang"
        if ref is not None and (not isinstance(ref, str) or not MARKING_REF.match(ref)):
            return (
                f"granular_markings[{n}].marking_ref {ref!r} is not a marking-definition"
                " identifier in lower case"
            )
        selectors = entry.get("selectors")
        if (
            not isinstance(selectors, list)
            or not selectors
            or not all(isinstance(s, str) and s for s in selectors)
        ):
            return f"granular_markings[{n}].selectors must be a non-empty list of paths"
    return ""


def _top(selector: str) -> str:
    """The top-level property a selector points into ("external_references.[0].url")."""
    return selector.split(".", 1)[0]


def granular(obj: dict[str, Any]) -> list[tuple[Tlp, frozenset[str]]]:
    """The TLP levels of the object's granular markings, each with the top-level
    properties it marks."""
    found = []
    for entry in obj.get("granular_markings", []):
        tlp = BY_ID.get(entry.get("marking_ref", "")) if isinstance(entry, dict) else None
        if tlp is not None:
            found.append((tlp, frozenset(_top(s) for s in entry.get("selectors", []))))
    return found


def redact(obj: dict[str, Any], hidden: Iterable[str]) -> dict[str, Any]:
    """`obj` without the `hidden` top-level properties, and without the granular entries
    that marked them (a selector must point at a property that is there)."""
    gone = set(hidden)
    if not gone:
        return obj
    out = {k: v for k, v in obj.items() if k not in gone}
    kept = [
        e
        for e in obj.get("granular_markings", [])
        if not any(_top(s) in gone for s in e.get("selectors", []))
    ]
    if kept:
        out["granular_markings"] = kept
    else:
        out.pop("granular_markings", None)
    return out


def stricter(obj: dict[str, Any], tlp: Tlp) -> list[tuple[Tlp, frozenset[str]]]:
    """The granular markings stricter than the object's own level `tlp`."""
    return [(t, props) for t, props in granular(obj) if ORDER.index(t) > ORDER.index(tlp)]


def as_read_by(obj: dict[str, Any], may: Callable[[Tlp], bool]) -> dict[str, Any]:
    """The object as a reader sees it: without the properties marked with a level the
    reader may not read (`may(level)`)."""
    hidden = {p for t, props in granular(obj) if not may(t) for p in props}
    return redact(obj, hidden)
