-- Issue 8: the national overview counts overdue exploited findings on every refresh; open
-- KEV findings are a few percent of all, so they get an index of their own instead of a
-- walk over every finding.
CREATE INDEX findings_status_kev ON findings (status, kev, id);
