-- The outbox: one row per change to an order, product or article, written in the same SQL batch
-- as the change (shared/rest/src/outbox.rs), so no event is lost or invented when a write
-- fails. `id` only grows (AUTOINCREMENT never reuses one), so it orders events per subject and
-- overall and serves as the resumption point of a stream (`Last-Event-ID`).
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL CHECK (topic IN ('order', 'product', 'article')),
    subject    TEXT NOT NULL,                 -- the changed thing's id
    type       TEXT NOT NULL,                 -- order.created, order.status_changed, ...
    owner_id   TEXT,                          -- whose it is (an order's user), NULL when public
    payload    TEXT NOT NULL,                 -- JSON: the thing after the change (or its id when deleted)
    created_at INTEGER NOT NULL
);
CREATE INDEX events_by_subject ON events (topic, subject, id);
CREATE INDEX events_by_owner ON events (owner_id, id);
-- Retention: events older than `event_retention_seconds` are pruned in the writes' batches.
CREATE INDEX events_by_age ON events (created_at);

INSERT INTO schema_version (version) VALUES (11);
