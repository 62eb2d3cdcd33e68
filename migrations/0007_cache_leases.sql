-- Cross-instance load leases for the cache (shared/cache/src/lease.rs): the instance holding a
-- key's lease loads it from the database; others wait for the value to appear in KV. A row
-- lives for one load (deleted by its holder) or, if the holder died, until it expires and the
-- next claim takes it over. Looked up by its primary key only.
CREATE TABLE cache_leases (
    key TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO schema_version (version) VALUES (7);
