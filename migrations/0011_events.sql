-- The outbox: one row per change to an order, a product or an article, written in the same
-- batch as the change (shared/rest/src/outbox.rs), so a failed write leaves neither. `id`
-- orders events (AUTOINCREMENT: never reused, even after pruning, so a client's Last-Event-ID
-- never names a different event). Live streams (SSE) read from here.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL CHECK (topic IN ('order', 'product', 'article')),
    subject    TEXT NOT NULL,                 -- the changed object's id
    type       TEXT NOT NULL,                 -- order.created, order.status_changed, ...
    owner_id   TEXT,                          -- whose object it is (an order's customer), when anyone's
    payload    TEXT NOT NULL,                 -- JSON: the object as v2 renders it after the change
    request_id TEXT NOT NULL,
    created_at INTEGER NOT NULL               -- Unix ms
);
-- One order's stream, a caller's own orders, retention pruning.
CREATE INDEX events_topic_subject ON events (topic, subject, id);
CREATE INDEX events_owner_topic ON events (owner_id, topic, id);
CREATE INDEX events_created ON events (created_at);
INSERT INTO schema_version (version) VALUES (11);
