//! Secrets we must be able to use again (TOTP seeds, webhook signing secrets) are stored
//! sealed: ChaCha20-Poly1305 under a key derived from `auth_secret` for one purpose, bound to
//! the row they belong to (the associated data), so a sealed value copied to another row or
//! read from a database dump is useless.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use ports::random::random_array;
use ports::{Config, Random};
use web::Problem;

use crate::crypto::{b64url, b64url_decode, hmac_sha256};

/// Seals and opens values for one purpose.
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// A sealer under `key` (32 bytes, e.g. from [`derived_key`]).
    pub fn new(key: [u8; 32]) -> Self {
        Self { cipher: ChaCha20Poly1305::new(&key.into()) }
    }

    /// `plaintext` sealed and bound to `owner` (base64url of nonce and ciphertext).
    pub fn seal(&self, owner: &str, plaintext: &[u8], random: &dyn Random) -> Result<String, Problem> {
        let nonce = random_array::<12>(random)?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: owner.as_bytes() })
            .map_err(|_| Problem::internal("sealing a secret failed"))?;
        Ok(b64url(&[nonce.as_slice(), &sealed].concat()))
    }

    /// The plaintext of a value [`Sealer::seal`] made for `owner`, or a 500 when it does not open
    /// (a different `auth_secret`, another row's value, or tampering).
    pub fn open(&self, owner: &str, sealed: &str) -> Result<Vec<u8>, Problem> {
        let bytes = b64url_decode(sealed)
            .filter(|b| b.len() > 12)
            .ok_or_else(|| Problem::internal("sealed secret is malformed"))?;
        let (nonce, ciphertext) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: owner.as_bytes() })
            .map_err(|_| Problem::internal("a sealed secret does not open (auth_secret changed?)"))
    }
}

/// The 32-byte key for `purpose` derived from the `auth_secret` secret (HMAC-SHA256 with the
/// purpose as label), so one secret serves several uses without any two sharing a key.
pub fn derive_from(master: &[u8], purpose: &str) -> [u8; 32] {
    hmac_sha256(master, purpose.as_bytes())
}

/// `auth_secret`, decoded: at least 32 bytes of base64url, or a 500 naming the deployment error.
pub async fn master_secret(config: &dyn Config) -> Result<Vec<u8>, Problem> {
    let secret =
        config.secret("auth_secret").await?.ok_or_else(|| Problem::internal("secret auth_secret is not configured"))?;
    b64url_decode(secret.expose().trim())
        .filter(|bytes| bytes.len() >= 32)
        .ok_or_else(|| Problem::internal("secret auth_secret must be at least 32 bytes in base64url"))
}

/// The sealer for `purpose` under the configured `auth_secret`.
pub async fn sealer(config: &dyn Config, purpose: &str) -> Result<Sealer, Problem> {
    Ok(Sealer::new(derive_from(&master_secret(config).await?, purpose)))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(std::cell::Cell<u8>);

    impl Random for Counting {
        fn fill(&self, bytes: &mut [u8]) -> Result<(), ports::PortError> {
            for byte in bytes {
                *byte = self.0.get();
                self.0.set(self.0.get().wrapping_add(1));
            }
            Ok(())
        }
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_owner_and_key() {
        let sealer = Sealer::new([7; 32]);
        let sealed = sealer.seal("row-1", b"secret", &Counting(std::cell::Cell::new(0))).unwrap();
        assert_eq!(sealer.open("row-1", &sealed).unwrap(), b"secret");
        assert!(sealer.open("row-2", &sealed).is_err(), "bound to its row");
        assert!(Sealer::new([8; 32]).open("row-1", &sealed).is_err(), "bound to its key");
        assert!(sealer.open("row-1", "short").is_err());
    }
}
