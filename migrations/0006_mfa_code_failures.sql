-- Wrong authenticator codes in a row at MFA sign-in, from any network: past a cap, codes are
-- refused until a backup code signs in (functions/auth/src/mfa.rs, MAX_CODE_FAILURES).
ALTER TABLE users ADD COLUMN mfa_code_failures INTEGER NOT NULL DEFAULT 0;

INSERT INTO schema_version (version) VALUES (6);
