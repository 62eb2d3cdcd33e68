//! The auth function's settings, on top of the shared token settings.

use identity::TokenSettings;
use identity::settings::{seconds, var_or};
use web::Problem;
use web::ports::Config;

/// Settings of the auth function.
///
/// | variable / secret | default |
/// |---|---|
/// | `refresh_token_ttl_seconds` | 2592000 (30 days) |
/// | `refresh_reuse_grace_seconds` | 10 |
/// | `mfa_challenge_ttl_seconds` | 300 |
/// | `bootstrap_admin_email` | none: the first account with this email becomes admin, once |
/// | `auth_secret` (secret) | required: ≥ 32 random bytes, base64url |
pub struct AuthConfig {
    /// Issuer, audience, access lifetime, keys.
    pub tokens: TokenSettings,
    /// Refresh-token lifetime in milliseconds.
    pub refresh_ttl_ms: i64,
    /// How long after rotation a parent refresh token still yields its successor (ms).
    pub refresh_grace_ms: i64,
    /// MFA challenge lifetime in seconds.
    pub mfa_challenge_ttl: i64,
    /// Email that becomes the first admin.
    pub bootstrap_admin_email: Option<String>,
    master_secret: Vec<u8>,
}

impl AuthConfig {
    /// Loads and validates the settings.
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        let master_secret = identity::sealing::master_secret(config).await?;
        let bootstrap = var_or(config, "bootstrap_admin_email", "").await?;
        Ok(Self {
            tokens: TokenSettings::load(config).await?,
            refresh_ttl_ms: seconds(config, "refresh_token_ttl_seconds", 30 * 24 * 3600).await? * 1000,
            refresh_grace_ms: seconds(config, "refresh_reuse_grace_seconds", 10).await? * 1000,
            mfa_challenge_ttl: seconds(config, "mfa_challenge_ttl_seconds", 300).await?,
            bootstrap_admin_email: Some(bootstrap.trim().to_ascii_lowercase()).filter(|e| !e.is_empty()),
            master_secret,
        })
    }

    /// A 32-byte key for one purpose, derived from `auth_secret` (HMAC-SHA256 with a label), so
    /// one secret serves several uses without any two sharing a key.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        identity::sealing::derive_from(&self.master_secret, purpose)
    }
}
