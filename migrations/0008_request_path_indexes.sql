-- Indexes for request paths that read whole tables before (found by the native tests, which
-- check every statement's query plan: shared/adapter-native/src/query_plans.rs).

-- The users who hold the admin role: registration (does the bootstrap admin exist?) and role
-- changes (is another admin left?) read only them. The expression must match the queries'
-- (shared/identity/src/permissions.rs, ADMIN_ROLE_FILTER).
CREATE INDEX users_admins ON users (id) WHERE instr(' ' || roles || ' ', ' admin ') > 0;

-- The audit log's filters, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target_id ON audit_log (target_id, id);

INSERT INTO schema_version (version) VALUES (8);
