-- Webhooks: endpoints users register, and one delivery per (endpoint, event) fanned out from
-- the outbox (shared/webhooks). The signing secret is sealed under a key derived from
-- auth_secret, bound to the endpoint id. The breaker columns are shared by every instance.
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    event_types   TEXT NOT NULL,                -- space-separated, or '*'
    scopes        TEXT NOT NULL,                -- the registering credential's permissions: never more
    secret_sealed TEXT NOT NULL,
    cursor        INTEGER NOT NULL,             -- the last event id fanned out to it
    failures      INTEGER NOT NULL DEFAULT 0,   -- consecutive failed attempts
    open_until    INTEGER,                      -- breaker open until (Unix ms); NULL = closed
    probe_until   INTEGER,                      -- half-open: the one probe's lease
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner_id, created_at);
-- Fan-out takes the endpoints furthest behind first.
CREATE INDEX webhooks_cursor ON webhooks (cursor, id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,           -- the webhook-id header, the same on every attempt
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    event_topic     TEXT NOT NULL,              -- with the owner: who may still receive it
    event_owner_id  TEXT,
    body            TEXT NOT NULL,              -- the JSON sent, fixed at fan-out
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,                    -- an instance is attempting it until then
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);
-- Pruning finished deliveries after the retention period.
CREATE INDEX webhook_deliveries_updated ON webhook_deliveries (updated_at);

INSERT INTO schema_version (version) VALUES (12);
