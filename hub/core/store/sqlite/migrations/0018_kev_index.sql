-- Issue 20: exploited (KEV) findings are a few percent of all, so only they enter the
-- index that finds them, and a host report no longer adds one entry per finding to it
-- (an image host writes ~268 findings). Queries write kev as a literal, so SQLite knows
-- the partial index applies.
DROP INDEX findings_status_kev;
CREATE INDEX findings_status_kev ON findings (status, id) WHERE kev = 1;
