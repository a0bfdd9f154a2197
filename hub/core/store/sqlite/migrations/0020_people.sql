-- People who sign in through the identity provider, and the mapping from its groups to
-- the hub's organizations and roles. A dashboard session names its person (or its token),
-- and keeps the ID token that RP-initiated logout hands back to the provider.
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    org_id TEXT NOT NULL,
    role TEXT NOT NULL,
    groups TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_sign_in TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE idp_mappings (
    id TEXT PRIMARY KEY,
    claim_value TEXT NOT NULL,
    org_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT
);
ALTER TABLE web_sessions ADD COLUMN person_id TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN id_token TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN last_seen_at TEXT;
-- Tokens are for machines now: they expire, and say when they were last used.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
