-- Issue 17. An SBOM stored but not yet matched (the hub died in between) is finished on restart;
-- a supplier product belongs to the agency that first submitted its SBOM.
ALTER TABLE sboms ADD COLUMN matched INTEGER NOT NULL DEFAULT 1 CHECK (matched IN (0, 1));
CREATE INDEX sboms_pending ON sboms (matched, id);
ALTER TABLE products ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
UPDATE products SET org_id = COALESCE((
    SELECT sboms.org_id FROM sboms WHERE sboms.subject = 'product:' || products.id
    ORDER BY sboms.submitted_at, sboms.id LIMIT 1), '');

-- Dashboard sign-ins, kept server-side so that logging out ends them.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT
);
