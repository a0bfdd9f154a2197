-- Issue 20: hosts built from one image run one software set, stored once. Before, every
-- host wrote its ~300 packages into two indexes ordered by purl: hundreds of scattered
-- pages per report, the largest part of an ingest commit. A host now writes one row when
-- its set is known. Lists copied from before become one set per asset (a set's id is a
-- digest of its packages, which SQL cannot compute); they merge as hosts report again.
CREATE TABLE software_sets (
    set_id TEXT NOT NULL,
    purl TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    match_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (set_id, purl)
) WITHOUT ROWID;
CREATE INDEX software_sets_purl ON software_sets (purl, set_id);
CREATE INDEX software_sets_key ON software_sets (match_key, set_id);
CREATE TABLE asset_software (
    asset_id TEXT PRIMARY KEY REFERENCES assets (id),
    set_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX asset_software_set ON asset_software (set_id, asset_id);
INSERT INTO software_sets (set_id, purl, name, version, ecosystem, match_key)
    SELECT 'asset:' || asset_id, purl, name, version, ecosystem, match_key FROM asset_packages;
INSERT INTO asset_software (asset_id, set_id)
    SELECT DISTINCT asset_id, 'asset:' || asset_id FROM asset_packages;
DROP TABLE asset_packages;
