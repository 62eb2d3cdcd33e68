//! API-key format: `ofk_<prefix>_<secret>`.
//!
//! The prefix (12 hex digits) is public and indexed for lookup; the secret (32 random bytes,
//! base64url) is shown once and stored only as its SHA-256.

use ports::{PortError, Random, random::random_hex};

use crate::crypto::{constant_time_eq, sha256_hex};
use crate::ids::new_token;

const SCHEME: &str = "ofk_";

/// A newly minted key.
pub struct NewApiKey {
    /// The whole key, to show the user exactly once.
    pub key: String,
    /// The lookup prefix.
    pub prefix: String,
    /// What to store: SHA-256 of the secret part.
    pub secret_hash: String,
}

/// Mints a key.
pub fn mint(random: &dyn Random) -> Result<NewApiKey, PortError> {
    let prefix = random_hex::<6>(random)?;
    let secret = new_token::<32>(random)?;
    Ok(NewApiKey { key: format!("{SCHEME}{prefix}_{secret}"), secret_hash: sha256_hex(secret.as_bytes()), prefix })
}

/// Whether `credential` looks like an API key (so a bearer value can be routed to key checks).
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(SCHEME)
}

/// Splits a key into prefix and secret, refusing anything malformed.
pub fn parse(key: &str) -> Option<(&str, &str)> {
    let (prefix, secret) = key.strip_prefix(SCHEME)?.split_once('_')?;
    let well_formed = prefix.len() == 12
        && prefix.bytes().all(|b| b.is_ascii_hexdigit())
        && secret.len() == 43
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then_some((prefix, secret))
}

/// Whether `secret` matches the stored hash, in constant time.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    constant_time_eq(sha256_hex(secret.as_bytes()).as_bytes(), stored_hash.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ports::random::SystemRandom;

    #[test]
    fn minted_keys_parse_and_verify() {
        let minted = mint(&SystemRandom).unwrap();
        assert!(looks_like_key(&minted.key));
        let (prefix, secret) = parse(&minted.key).unwrap();
        assert_eq!(prefix, minted.prefix);
        assert!(secret_matches(secret, &minted.secret_hash));
        assert!(!secret_matches("x", &minted.secret_hash));
        assert!(!minted.secret_hash.contains(secret), "only the hash is stored");
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "ofk_",
            "ofk_abc_def",
            "xyz_0123456789ab_",
            "ofk_0123456789ab_short",
            "ofk_zzzzzzzzzzzz_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
