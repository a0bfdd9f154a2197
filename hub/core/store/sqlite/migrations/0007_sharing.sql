-- Issue 7: TAXII collections, STIX object versions, and POST statuses.
CREATE TABLE taxii_collections (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    alias TEXT NOT NULL,
    readers TEXT NOT NULL,
    writers TEXT NOT NULL,
    default_tlp TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE stix_objects (
    id TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    type TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    version TEXT NOT NULL,
    date_added TEXT NOT NULL,
    tlp TEXT NOT NULL,
    owner_org TEXT NOT NULL,
    audience TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    object TEXT NOT NULL
);
-- Pages of a collection in date_added order, and an object's versions.
CREATE INDEX stix_objects_added ON stix_objects (collection_id, date_added, id);
CREATE INDEX stix_objects_object ON stix_objects (collection_id, object_id, version);

CREATE TABLE taxii_statuses (
    id TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL,
    owner_org TEXT NOT NULL,
    status TEXT NOT NULL,
    request_timestamp TEXT NOT NULL,
    total_count INTEGER NOT NULL,
    success_count INTEGER NOT NULL,
    failure_count INTEGER NOT NULL,
    pending_count INTEGER NOT NULL,
    successes TEXT NOT NULL,
    failures TEXT NOT NULL
);

CREATE TABLE taxii_feeds (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    url TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    username TEXT NOT NULL,
    password TEXT NOT NULL,
    added_after TEXT NOT NULL,
    last_sync TEXT,
    last_error TEXT NOT NULL,
    received INTEGER NOT NULL,
    direction TEXT NOT NULL
);

CREATE TABLE sightings (
    id TEXT PRIMARY KEY,
    indicator_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    system_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    active INTEGER NOT NULL
);
CREATE INDEX sightings_system ON sightings (system_id, active, id);
CREATE INDEX sightings_active ON sightings (active, id);
