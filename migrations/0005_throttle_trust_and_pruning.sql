-- Sign-in attempts are counted before the password or code is checked, so a burst of
-- concurrent attempts cannot all slip past a lock: `refused` records whether the key was
-- already locked when this attempt was counted (functions/auth/src/throttle.rs).
ALTER TABLE login_throttle ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;

-- Client networks that signed in to an account recently: the per-account lock does not apply
-- to them, so attackers elsewhere cannot lock the owner out.
CREATE TABLE login_trust (
    key   TEXT PRIMARY KEY,
    until INTEGER NOT NULL
);

-- Old rows are pruned a few at a time (throttle and trust on successful sign-ins, counters
-- now and then as they are used); these indexes keep finding them cheap.
CREATE INDEX login_throttle_by_last_failure ON login_throttle (last_failure);
CREATE INDEX login_trust_by_until ON login_trust (until);
CREATE INDEX rate_limits_by_t ON rate_limits (t);

INSERT INTO schema_version (version) VALUES (5);
