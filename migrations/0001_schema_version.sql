-- Schema bookkeeping shared by every runtime.
--
-- D1 tracks applied files in its own `d1_migrations` table; Spin and native runs use this one
-- (see shared/migrations). Every migration ends by inserting its own number here, so
-- `GET /ready` can compare the database's version with the one the code was built for.
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

INSERT INTO schema_version (version) VALUES (1);
