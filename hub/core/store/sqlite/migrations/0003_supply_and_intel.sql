-- Issue 4: SBOMs of systems and supplier products, deployments, VEX, vulnerability
-- intelligence and feed state; findings learn where they came from.
ALTER TABLE findings ADD COLUMN sbom_id TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN product_id TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
ALTER TABLE findings ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN kev_due TEXT;
ALTER TABLE findings ADD COLUMN vex TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN justification TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN fixed_in TEXT NOT NULL DEFAULT '[]';
CREATE INDEX findings_scope ON findings (system_id, asset_id, product_id, id);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    supplier TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    purl TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sboms (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    org_id TEXT NOT NULL, -- the submitter's; empty for the operator's shell
    format TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    encoding TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    doc_version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    components INTEGER NOT NULL,
    unidentified INTEGER NOT NULL,
    quality REAL NOT NULL,
    missing TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    current INTEGER NOT NULL CHECK (current IN (0, 1))
);
CREATE INDEX sboms_subject ON sboms (subject, id);
CREATE INDEX sboms_current ON sboms (current, id);

CREATE TABLE sbom_packages (
    sbom_id TEXT NOT NULL REFERENCES sboms (id),
    purl TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    PRIMARY KEY (sbom_id, purl)
) WITHOUT ROWID;

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    system_id TEXT NOT NULL REFERENCES systems (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    created_at TEXT NOT NULL
);
CREATE INDEX deployments_product ON deployments (product_id, id);

CREATE TABLE vex (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    org_id TEXT NOT NULL,
    vuln_id TEXT NOT NULL,
    purl TEXT NOT NULL,
    state TEXT NOT NULL,
    justification TEXT NOT NULL,
    detail TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX vex_subject ON vex (subject, id);

CREATE TABLE intel (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX intel_source ON intel (source, id);

CREATE TABLE feeds (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    location TEXT NOT NULL,
    validator TEXT NOT NULL,
    synced_at TEXT,
    records INTEGER NOT NULL,
    last_changed INTEGER NOT NULL
);
