-- Intelligence feeds can be switched off (`crsa feeds disable`, PATCH /api/v1/feeds/ID):
-- kept with what they synced, no longer synced or reported as failing.
ALTER TABLE feeds ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
