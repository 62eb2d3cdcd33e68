-- Identity: users, sessions (refresh-token families), refresh tokens, MFA backup codes,
-- API keys and login throttling. Times are Unix milliseconds (INTEGER, exact in D1).

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,          -- argon2id PHC string
    roles              TEXT NOT NULL,          -- space-separated role names
    mfa_enabled        INTEGER NOT NULL DEFAULT 0,
    mfa_secret         TEXT,                   -- sealed TOTP secret (see functions/auth/src/mfa.rs)
    mfa_pending_secret TEXT,                   -- sealed secret awaiting confirmation
    mfa_last_step      INTEGER NOT NULL DEFAULT 0, -- last accepted TOTP time step (no reuse)
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);

-- A session is one refresh-token family; access tokens carry its id (`sid`).
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored as SHA-256 hashes. `used_at` is set exactly once (rotation).
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE mfa_backup_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix       TEXT NOT NULL UNIQUE,        -- public lookup part of the key
    secret_hash  TEXT NOT NULL,               -- SHA-256 of the secret part
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,               -- space-separated permissions
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- Failed-login counters per key (`acct:<email>`, `ip:<ip>`, `pair:<email>|<ip>`).
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
);

INSERT INTO schema_version (version) VALUES (2);
