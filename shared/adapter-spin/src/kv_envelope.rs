//! Expiry for Spin key-value, which has no TTLs of its own.
//!
//! Each stored value is `[1u8][expires_at: i64 big-endian unix millis, 0 = never][value]`;
//! reads treat an expired envelope as absent (and the adapter deletes it).

use ports::PortError;

const VERSION: u8 = 1;
const HEADER_LEN: usize = 9;

/// Wraps `value` with its expiry time (`None` = never expires).
pub(crate) fn seal(value: &[u8], expires_at: Option<i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + value.len());
    out.push(VERSION);
    out.extend_from_slice(&expires_at.unwrap_or(0).to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// An opened envelope.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Opened<'a> {
    /// Still valid.
    Live(&'a [u8]),
    /// Past its expiry.
    Expired,
}

/// Unwraps a stored value as of `now` (unix millis).
pub(crate) fn open(stored: &[u8], now: i64) -> Result<Opened<'_>, PortError> {
    if stored.len() < HEADER_LEN || stored[0] != VERSION {
        return Err(PortError::decode("spin kv: value was not written by this adapter"));
    }
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&stored[1..HEADER_LEN]);
    let expires_at = i64::from_be_bytes(expiry);
    if expires_at != 0 && now >= expires_at { Ok(Opened::Expired) } else { Ok(Opened::Live(&stored[HEADER_LEN..])) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_expires() {
        let sealed = seal(b"value", Some(2_000));
        assert_eq!(open(&sealed, 1_999).unwrap(), Opened::Live(b"value"));
        assert_eq!(open(&sealed, 2_000).unwrap(), Opened::Expired);
        assert_eq!(open(&seal(b"", None), i64::MAX).unwrap(), Opened::Live(b""));
    }

    #[test]
    fn refuses_foreign_values() {
        assert!(open(b"plain", 0).is_err());
        assert!(open(&[], 0).is_err());
    }
}
