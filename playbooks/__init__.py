"""Response, the "Action" in CRSA: events and the playbooks that act on them.

`events` turns what the store shows (findings, scores, sightings, systems, feeds) into
events in a persistent outbox; `engine` runs the YAML playbooks (`definition`,
`builtin/`) on them through the actions in `actions/`: triage, tag, webhook, e-mail,
STIX share.
"""

__all__: list[str] = []
