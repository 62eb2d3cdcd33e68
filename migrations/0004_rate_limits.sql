-- Exact rate-limit counters for runtimes whose counter store is SQL (Spin, native tests).
-- One row per limited key; see shared/ports/src/counters.rs for what a, b and t hold.
CREATE TABLE rate_limits (
    key      TEXT PRIMARY KEY,
    a        INTEGER NOT NULL,
    b        INTEGER NOT NULL,
    t        INTEGER NOT NULL,
    admitted INTEGER NOT NULL
);

INSERT INTO schema_version (version) VALUES (4);
