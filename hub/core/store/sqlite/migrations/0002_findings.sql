-- Findings: one vulnerability in one component on one asset.
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    system_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    purl TEXT NOT NULL,
    vuln_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    cvss REAL,
    kev INTEGER NOT NULL CHECK (kev IN (0, 1)),
    epss REAL,
    status TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    fixed_at TEXT
);
CREATE INDEX findings_org ON findings (org_id, id);
CREATE INDEX findings_asset ON findings (asset_id, id);
CREATE INDEX findings_vuln ON findings (vuln_id, id);
CREATE INDEX findings_summary ON findings (org_id, severity, status);
