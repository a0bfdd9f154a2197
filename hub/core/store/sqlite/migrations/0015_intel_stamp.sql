-- Issue 20: what the in-memory views of the intelligence (the advisory index, software sets
-- already matched) are keyed by. Before, every inventory batch read every advisory's digest
-- to tell whether the intelligence had changed; now one row changes whenever any does.
CREATE TABLE intel_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO intel_stamp (id, generation) VALUES (1, 0);
CREATE TRIGGER intel_inserted AFTER INSERT ON intel
BEGIN
    UPDATE intel_stamp SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER intel_updated AFTER UPDATE ON intel
BEGIN
    UPDATE intel_stamp SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER intel_deleted AFTER DELETE ON intel
BEGIN
    UPDATE intel_stamp SET generation = generation + 1 WHERE id = 1;
END;
