"""Events: what happened that a playbook may act on, kept in a persistent outbox.

Sources read the store (findings, scores, sightings, systems, feeds) and turn what they
see into events with ids derived from what happened, so seeing the same thing twice
queues one event. The playbook engine (the `playbooks` package) handles the outbox.
"""

from hub.core.records.events import ActionRun, AssetTags, Event, EventCursor, EventStatus

__all__ = ["ActionRun", "AssetTags", "Event", "EventCursor", "EventStatus"]
