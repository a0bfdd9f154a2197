-- Intelligence feeds remember why their last sync failed, for the feed_failed playbooks.
ALTER TABLE feeds ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN failed_at TEXT;
