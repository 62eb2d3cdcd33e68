//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): the secret is
//! `whsec_` + base64 of random bytes; each delivery attempt carries `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">`.

use base64ct::{Base64, Encoding};
use identity::crypto::hmac_sha256;
use ports::Random;
use ports::random::random_array;
use web::Problem;

/// The prefix of a signing secret.
const PREFIX: &str = "whsec_";

/// A new signing secret: 32 random bytes, as the endpoint's owner will configure it.
pub fn new_secret(random: &dyn Random) -> Result<String, Problem> {
    Ok(format!("{PREFIX}{}", Base64::encode_string(&random_array::<32>(random)?)))
}

/// The key bytes of a secret made by [`new_secret`].
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    Base64::decode_vec(secret.strip_prefix(PREFIX)?).ok().filter(|key| key.len() >= 24)
}

/// The `webhook-signature` value for one attempt.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut signed = Vec::with_capacity(id.len() + body.len() + 24);
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    format!("v1,{}", Base64::encode_string(&hmac_sha256(key, &signed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_like_the_reference_implementation() {
        let key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_round_trip_and_malformed_ones_are_refused() {
        struct Fixed;
        impl Random for Fixed {
            fn fill(&self, bytes: &mut [u8]) -> Result<(), ports::PortError> {
                bytes.fill(9);
                Ok(())
            }
        }
        let secret = new_secret(&Fixed).unwrap();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(key_of(&secret).unwrap(), [9; 32]);
        assert_eq!(key_of("whsec_!!"), None);
        assert_eq!(key_of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
    }
}
