-- Incidents reported by agencies (the Knowledge Wall). The list columns are JSON arrays,
-- searched element by element (json_each) to find the incidents sharing an observable,
-- a technique or a vulnerability.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL,
    tlp TEXT NOT NULL,
    first_activity TEXT NOT NULL,
    last_activity TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    owner TEXT NOT NULL,
    asset_ids TEXT NOT NULL,
    system_ids TEXT NOT NULL,
    observables TEXT NOT NULL,
    techniques TEXT NOT NULL,
    vulnerabilities TEXT NOT NULL,
    digest TEXT NOT NULL,
    objects TEXT NOT NULL,
    history TEXT NOT NULL
);
CREATE INDEX incidents_org ON incidents (org_id, id);
CREATE INDEX incidents_activity ON incidents (last_activity, id);
