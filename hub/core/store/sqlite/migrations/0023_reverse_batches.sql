-- Issue 20: a host of its own wrote a new software set and a new group of vulnerabilities,
-- each entering an index in another order than its own (by match key, by vulnerability):
-- most of the ~540 pages its commit wrote. Those indexes become tables that new sets enter a
-- batch at a time, sorted (hub/core/store/sqlite/inverted.py); a set waits in a pending
-- table until then, and lookups read both.
CREATE TABLE software_set_keys (
    match_key TEXT NOT NULL,
    set_id TEXT NOT NULL,
    PRIMARY KEY (match_key, set_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO software_set_keys (match_key, set_id)
    SELECT match_key, set_id FROM software_sets ORDER BY 1, 2;
DROP INDEX software_sets_key;
CREATE TABLE software_sets_pending (set_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE vuln_group_keys (
    vuln_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (vuln_id, group_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO vuln_group_keys (vuln_id, group_id)
    SELECT vuln_id, group_id FROM vuln_groups ORDER BY 1, 2;
DROP INDEX vuln_groups_vuln;
CREATE TABLE vuln_groups_pending (group_id TEXT PRIMARY KEY) WITHOUT ROWID;
