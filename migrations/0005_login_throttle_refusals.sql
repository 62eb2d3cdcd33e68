-- Sign-in attempts are counted before the password or code is checked, so a burst of
-- concurrent attempts cannot all slip past a lock: `refused` records whether the key was
-- already locked when this attempt was counted (functions/auth/src/throttle.rs).
ALTER TABLE login_throttle ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;

INSERT INTO schema_version (version) VALUES (5);
