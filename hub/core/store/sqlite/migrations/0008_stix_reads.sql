-- Issue 7: match[id] reads one object's versions in added order from an index, and the
-- planner is told how selective each index of stix_objects is (fixed statistics: an
-- object id picks out a handful of rows, a collection very many), because without them
-- it prefers walking a whole collection in added order to a short sort of a few rows.
CREATE INDEX stix_objects_object_added ON stix_objects (collection_id, object_id, date_added, id);
ANALYZE stix_objects;
DELETE FROM sqlite_stat1 WHERE tbl = 'stix_objects';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('stix_objects', 'stix_objects_added', '1000000 100000 1 1'),
    ('stix_objects', 'stix_objects_object', '1000000 100000 2 1'),
    ('stix_objects', 'stix_objects_object_added', '1000000 100000 2 1 1');
