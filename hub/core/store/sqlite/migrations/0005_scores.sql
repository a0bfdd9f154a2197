-- Issue 6: scores per subject and scoring run, with the policy version and contributions.
CREATE TABLE scores (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    org_id TEXT NOT NULL,
    points REAL NOT NULL,
    grade REAL NOT NULL,
    policy_version TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    flags TEXT NOT NULL,
    contributions TEXT NOT NULL,
    coverage TEXT NOT NULL
);
CREATE INDEX scores_subject ON scores (subject, computed_at);
CREATE INDEX scores_org ON scores (org_id, computed_at);
