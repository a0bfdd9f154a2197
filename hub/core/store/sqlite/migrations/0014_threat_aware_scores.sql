-- Issue 18. Scores record what their grade was computed from (per-asset points under a
-- power_mean policy) and its band; a system's state keeps its part of the per-asset
-- measure; a sighting carries what scoring weighs of its indicator and how widely it is seen.
ALTER TABLE scores ADD COLUMN measure REAL NOT NULL DEFAULT 0;
ALTER TABLE scores ADD COLUMN band TEXT NOT NULL DEFAULT '';
ALTER TABLE score_states ADD COLUMN power_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE score_states ADD COLUMN units INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sightings ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
