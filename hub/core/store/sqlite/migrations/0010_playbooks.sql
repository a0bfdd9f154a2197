-- Issue 9: the playbooks' outbox, the actions they took (by idempotency key), asset tags,
-- the sources' read positions, and triage items a playbook opened on its own.
ALTER TABLE triage ADD COLUMN origin TEXT NOT NULL DEFAULT '{}';

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    trigger TEXT NOT NULL,
    subject TEXT NOT NULL,
    org_id TEXT NOT NULL,
    at TEXT NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    queued_at TEXT,
    handled_at TEXT,
    error TEXT NOT NULL,
    only_for TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX events_status ON events (status, id);

CREATE TABLE action_runs (
    id TEXT PRIMARY KEY,
    playbook TEXT NOT NULL,
    event_id TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX action_runs_playbook ON action_runs (playbook, at);
CREATE INDEX action_runs_event ON action_runs (event_id);

CREATE TABLE asset_tags (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    tags TEXT NOT NULL
);

CREATE TABLE event_cursors (
    id TEXT PRIMARY KEY,
    position TEXT NOT NULL
);
