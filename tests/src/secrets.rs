//! The configuration the suite gives every runtime it starts, so cases can forge tokens with
//! the real signing key and know who the bootstrap admin is. Test-only values.

/// Key id of the test signing key.
pub const SIGNING_KID: &str = "contract";
/// The test Ed25519 seed (base64url), RFC 8037's example key.
pub const SIGNING_SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
/// `auth_secret` for the runtimes under test.
pub const AUTH_SECRET: &str = "Y29udHJhY3QtdGVzdC1hdXRoLXNlY3JldC0wMTIzNDU2Nzg5";
/// The account that becomes admin when it registers.
pub const ADMIN_EMAIL: &str = "admin@contract.test";
/// Short grace window so reuse detection can be tested quickly.
pub const REFRESH_GRACE_SECONDS: u64 = 2;
/// Issuer and audience (the defaults).
pub const ISSUER: &str = "orderflow";
/// Audience of access tokens.
pub const AUDIENCE: &str = "orderflow-api";

/// `(NAME, value)` pairs in the Worker's spelling; Spin gets `SPIN_VARIABLE_<NAME>`.
pub fn variables() -> Vec<(&'static str, String)> {
    vec![
        ("JWT_SIGNING_KEYS", format!("{SIGNING_KID}:{SIGNING_SEED}")),
        ("AUTH_SECRET", AUTH_SECRET.to_owned()),
        ("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("REFRESH_REUSE_GRACE_SECONDS", REFRESH_GRACE_SECONDS.to_string()),
    ]
}
