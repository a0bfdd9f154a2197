-- Organizations, systems, assets, software, tokens and the audit chain.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('agency', 'partner', 'operator')),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations (name COLLATE NOCASE);
CREATE INDEX organizations_kind ON organizations (kind, id);

CREATE TABLE systems (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    criticality TEXT NOT NULL CHECK (criticality IN ('low', 'moderate', 'high')),
    internet_facing INTEGER NOT NULL CHECK (internet_facing IN (0, 1)),
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX systems_org ON systems (org_id, id);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    system_id TEXT NOT NULL REFERENCES systems (id),
    identifier TEXT NOT NULL,
    hostname TEXT NOT NULL,
    os_name TEXT NOT NULL,
    os_version TEXT NOT NULL,
    addresses TEXT NOT NULL,
    last_seen TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX assets_org ON assets (org_id, id);
CREATE INDEX assets_system ON assets (system_id, id);

CREATE TABLE asset_packages (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    purl TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    PRIMARY KEY (asset_id, purl)
) WITHOUT ROWID;
CREATE INDEX asset_packages_purl ON asset_packages (purl);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Append-only by construction: the store interface has no update or delete for
-- audit entries. Edits made outside the hub are what `crsa audit verify` detects.
