-- Issue 6: what the last scoring left per system, what changed since, and triage items.
CREATE TABLE score_states (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    evaluated_at TEXT NOT NULL,
    next_change TEXT,
    policy_version TEXT NOT NULL,
    points REAL NOT NULL,
    assets INTEGER NOT NULL,
    assets_reporting INTEGER NOT NULL,
    has_sbom INTEGER NOT NULL,
    change_token TEXT NOT NULL,
    flags TEXT NOT NULL
);
CREATE INDEX score_states_org ON score_states (org_id, id);

-- Each system's and each agency's share of every remediation action (the triage queue).
CREATE TABLE action_shares (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    level TEXT NOT NULL,
    actions TEXT NOT NULL
);
CREATE INDEX action_shares_org ON action_shares (org_id, level, id);

CREATE TABLE score_changes (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    token TEXT NOT NULL
);

CREATE TABLE triage (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    comments TEXT NOT NULL,
    accepted TEXT NOT NULL,
    created_at TEXT,
    updated_at TEXT
);
