-- Issue 20: a host's findings leave one more index. Every host finding entered
-- findings_asset (asset_id, id) and findings_asset_vuln (asset_id, vuln_id), two indexes
-- that both hold a host's findings side by side: one b-tree of seven per row, about a
-- sixth of the rows' cost (bench/rows). A host's findings (a few hundred) are now read
-- through findings_asset_vuln and sorted by id; the system-wide findings of SBOMs, which
-- number in the hundreds of thousands and are paged by id, keep an index of their own
-- that host findings never enter. The store names which index each reads
-- (`_index_for` in hub/core/store/sqlite/store.py).
CREATE INDEX findings_system_wide ON findings (id) WHERE asset_id = '';
DROP INDEX findings_asset;
