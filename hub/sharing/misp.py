"""MISP events in and out, converted by the MISP project's own `misp-stix`: many ISACs run
MISP, and a converter of the hub's own would drift from theirs.

In, a MISP event (or a MISP API response holding several) becomes the STIX 2.1 objects
misp-stix makes of it (a `grouping` for the event, indicators for the attributes flagged
for detection, observed-data for the others), which are kept in a TAXII collection like
any partner's: the IOC matcher, the threat API and the Knowledge Wall read them there. Out,
STIX objects become MISP events: those misp-stix made come back as the event they were
(its attributes, objects and uuids), others (an incident's, a partner's) as a new event."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hub.core.errors import InvalidSubmission


def events_in(document: Any) -> list[dict[str, Any]]:
    """The MISP events of a document: one event (`{"Event": {...}}` or bare), or an API
    response (`{"response": [{"Event": ...}, ...]}`)."""
    if isinstance(document, dict) and isinstance(document.get("response"), list):
        items = document["response"]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    events = []
    for n, item in enumerate(items):
        event = item.get("Event", item) if isinstance(item, dict) else None
        if not isinstance(event, dict) or not isinstance(event.get("info"), str):
            raise InvalidSubmission(
                f"item {n} is not a MISP event (an object with 'info' and 'Attribute')",
                hint="export events from MISP as JSON (Event > Download as > MISP JSON)",
            )
        events.append({"Event": event})
    if not events:
        raise InvalidSubmission("the document holds no MISP event")
    return events


def to_stix(document: Any) -> list[dict[str, Any]]:
    """The STIX 2.1 objects misp-stix makes of every event in `document`."""
    from misp_stix_converter import MISPtoSTIX21Parser

    objects: dict[str, dict[str, Any]] = {}
    for event in events_in(document):
        parser = MISPtoSTIX21Parser()
        try:
            parser.parse_misp_event(event)
        except Exception as exc:  # misp-stix raises its own and pymisp's errors
            info = event["Event"].get("info", "")
            raise InvalidSubmission(f"MISP event {info!r} cannot be converted: {exc}") from None
        for obj in json.loads(parser.bundle.serialize())["objects"]:
            objects.setdefault(obj["id"], obj)  # the producer's identity, once
    return list(objects.values())


def to_misp(objects: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """MISP events of STIX 2.1 objects: one per `grouping` or `report` misp-stix can read
    as an event (every object otherwise in one event)."""
    import stix2
    from misp_stix_converter import ExternalSTIX2toMISPParser, InternalSTIX2toMISPParser

    if not objects:
        return []
    bundle = stix2.parse(
        {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
         "objects": list(objects)},
        allow_custom=True,
    )  # fmt: skip
    internal = any(str(label).startswith("misp:") for o in objects for label in o.get("labels", ()))
    parser = InternalSTIX2toMISPParser() if internal else ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(bundle)
    parser.parse_stix_bundle(single_event=False)
    events = parser.misp_events if isinstance(parser.misp_events, list) else [parser.misp_event]
    return [json.loads(e.to_json()) for e in events]
