-- The key-value port over SQL (shared/ports/src/kv.rs, SqlKv), which Spin uses: Spin's own
-- key-value store has no expiry, and listing its keys (to sweep expired ones) holds a lock
-- that deadlocks other requests of a reused instance. The Worker uses Workers KV; on D1 this
-- table stays empty.
CREATE TABLE kv_entries (
    key        TEXT PRIMARY KEY NOT NULL,
    value      BLOB NOT NULL,
    expires_at INTEGER             -- Unix ms; NULL = never
) WITHOUT ROWID;
CREATE INDEX kv_entries_expiry ON kv_entries (expires_at) WHERE expires_at IS NOT NULL;

INSERT INTO schema_version (version) VALUES (9);
