//! The signing keys for access tokens, from the `jwt_signing_keys` secret.
//!
//! Format: comma-separated `kid:seed` pairs, `seed` being 32 random bytes in base64url (an
//! Ed25519 private key). The first key signs; every key verifies and is published in the JWKS,
//! so a key can be rotated in (add it second, then move it first) and out (remove it once
//! tokens signed with it have expired).

use ed25519_dalek::{SigningKey, VerifyingKey};
use jwt_compact::jwk::JsonWebKey;
use serde_json::{Value, json};

use crate::crypto::b64url_decode;

/// One Ed25519 key pair with its key id.
pub struct KeyPair {
    /// The `kid` tokens carry in their header.
    pub kid: String,
    /// The private key (never leaves this struct except to sign).
    pub signing: SigningKey,
    /// The public key.
    pub verifying: VerifyingKey,
}

/// Every configured key; the first one signs.
pub struct SigningKeys {
    keys: Vec<KeyPair>,
}

impl SigningKeys {
    /// Parses the secret. Errors name the problem but never echo key material.
    pub fn parse(secret: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        // Errors name a key by its position only: a swapped `seed:kid` must not put the seed
        // into an error message (and from there into a log line).
        for (position, entry) in (1..).zip(secret.split(',').map(str::trim).filter(|e| !e.is_empty())) {
            let (kid, seed) =
                entry.split_once(':').ok_or_else(|| format!("key {position} must be `kid:base64url-seed`"))?;
            if !is_valid_kid(kid) {
                return Err(format!("key {position}: the id must be 1-64 of [A-Za-z0-9_-]"));
            }
            if keys.iter().any(|k: &KeyPair| k.kid == kid) {
                return Err(format!("key {position}: its id appears twice"));
            }
            let seed: [u8; 32] = b64url_decode(seed)
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| format!("key {position}: the seed must be 32 bytes in base64url"))?;
            let signing = SigningKey::from_bytes(&seed);
            keys.push(KeyPair { kid: kid.to_owned(), verifying: signing.verifying_key(), signing });
        }
        if keys.is_empty() {
            return Err("no keys configured".into());
        }
        Ok(Self { keys })
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> &KeyPair {
        &self.keys[0]
    }

    /// The public key with id `kid`, if configured.
    pub fn verifying(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|k| k.kid == kid).map(|k| &k.verifying)
    }

    /// The public keys as a JWK Set (RFC 7517), for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|key| {
                // From the *verifying* key: the signing key's JWK would include the private `d`.
                let mut jwk = serde_json::to_value(JsonWebKey::from(&key.verifying)).unwrap_or(Value::Null);
                if let Some(members) = jwk.as_object_mut() {
                    members.insert("kid".into(), json!(key.kid));
                    members.insert("alg".into(), json!("EdDSA"));
                    members.insert("use".into(), json!("sig"));
                }
                jwk
            })
            .collect();
        json!({ "keys": keys })
    }
}

/// Key ids are short and plain, so a hostile `kid` (paths, URLs, quotes) is refused before lookup.
pub fn is_valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_A: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const SEED_B: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    #[test]
    fn parses_rotating_key_sets_and_publishes_only_public_parts() {
        let keys = SigningKeys::parse(&format!("new:{SEED_B}, old:{SEED_A}")).unwrap();
        assert_eq!(keys.active().kid, "new");
        assert!(keys.verifying("old").is_some());
        assert!(keys.verifying("missing").is_none());
        let jwks = keys.jwks();
        let old = &jwks["keys"][1];
        assert_eq!(old["kid"], "old");
        assert_eq!(old["kty"], "OKP");
        assert_eq!(old["crv"], "Ed25519");
        // RFC 8037 A.1/A.2: this seed's public key.
        assert_eq!(old["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert!(jwks.to_string().find("\"d\"").is_none(), "no private key material");
    }

    #[test]
    fn refuses_bad_configuration() {
        assert!(SigningKeys::parse("").is_err());
        assert!(SigningKeys::parse("nokid").is_err());
        assert!(SigningKeys::parse(&format!("../x:{SEED_A}")).is_err());
        assert!(SigningKeys::parse("k:c2hvcnQ").is_err());
        assert!(SigningKeys::parse(&format!("k:{SEED_A},k:{SEED_B}")).is_err());
        let error = SigningKeys::parse("k:!!!!").err().unwrap();
        assert!(!error.contains("!!!!"), "errors never echo key material");
    }

    #[test]
    fn errors_never_echo_key_material() {
        for swapped in [format!("{SEED_A}:k1"), format!("k1:{SEED_A}, k1:{SEED_B}")] {
            let error = SigningKeys::parse(&swapped).err().unwrap_or_default();
            assert!(!error.is_empty(), "{swapped} is refused");
            assert!(!error.contains(SEED_A) && !error.contains(SEED_B), "{error}");
        }
    }

    #[test]
    fn kid_rules() {
        assert!(is_valid_kid("2026-11_a"));
        assert!(!is_valid_kid("../../etc/passwd"));
        assert!(!is_valid_kid("https://evil"));
        assert!(!is_valid_kid(""));
    }
}
