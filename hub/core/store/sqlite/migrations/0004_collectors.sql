-- Issue 5: the latest telemetry per asset, and delivered collector batches (exactly-once).
CREATE TABLE telemetry (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    system_id TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    kernel TEXT NOT NULL,
    checks_failed INTEGER NOT NULL,
    checks_passed INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX telemetry_org ON telemetry (org_id, id);

CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    source TEXT NOT NULL,
    digest TEXT NOT NULL,
    packages INTEGER NOT NULL,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX batches_asset ON batches (asset_id, id);

-- How advisories name each package, so a changed advisory finds its hosts by index.
ALTER TABLE asset_packages ADD COLUMN match_key TEXT NOT NULL DEFAULT '';
CREATE INDEX asset_packages_key ON asset_packages (match_key, asset_id);
