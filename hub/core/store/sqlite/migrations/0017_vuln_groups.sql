-- Issue 20: a host's findings no longer enter an index ordered by vulnerability. That
-- index cost one scattered page per finding per host report (268 of an image host's ~400
-- pages written, bench/ingest). Hosts built from one image name the same vulnerabilities,
-- so "which findings name CVE-X" is answered through groups of vulnerabilities, stored
-- once per distinct set and shared by every host that has it (hub/core/store/sqlite/
-- vulngroups.py): vuln_groups holds each group's vulnerabilities, asset_vuln_groups each
-- host's group. Findings without a host (from SBOMs) arrive by the thousand in one commit
-- and are found through findings_asset_vuln under the empty asset id. Hosts reported
-- before start with a group each, shared from their next new vulnerability on.
CREATE TABLE vuln_groups (
    group_id TEXT NOT NULL,
    vuln_id TEXT NOT NULL,
    PRIMARY KEY (group_id, vuln_id)
) WITHOUT ROWID;
CREATE INDEX vuln_groups_vuln ON vuln_groups (vuln_id, group_id);
CREATE TABLE asset_vuln_groups (
    asset_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX asset_vuln_groups_group ON asset_vuln_groups (group_id, asset_id);
CREATE INDEX findings_asset_vuln ON findings (asset_id, vuln_id);
INSERT INTO vuln_groups (group_id, vuln_id)
    SELECT DISTINCT 'asset:' || asset_id, vuln_id FROM findings WHERE asset_id != '';
INSERT INTO asset_vuln_groups (asset_id, group_id)
    SELECT DISTINCT asset_id, 'asset:' || asset_id FROM findings WHERE asset_id != '';
DROP INDEX findings_vuln;
-- A new software set wrote its packages into two indexes ordered by package (300 scattered
-- pages each); the hosts running one purl are found through its match key instead.
DROP INDEX software_sets_purl;
