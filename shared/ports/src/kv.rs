//! Key-value storage with expiry.

use std::time::Duration;

use async_trait::async_trait;

use crate::PortError;

/// The shortest TTL every backend honours. Workers KV refuses anything shorter, so adapters
/// round shorter TTLs up to this and callers should not rely on faster expiry.
pub const MIN_TTL: Duration = Duration::from_secs(60);

/// One page of keys from [`Kv::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPage {
    /// Keys in ascending order.
    pub keys: Vec<String>,
    /// Pass this to the next `list` call to continue; `None` when the listing is complete.
    pub cursor: Option<String>,
}

/// A key-value store. Values are bytes; keys are UTF-8 strings up to 512 bytes.
///
/// Consistency differs by backend (Workers KV is eventually consistent, up to about 60 s
/// across locations), so never use it for counters or anything needing read-your-write across
/// instances.
#[async_trait(?Send)]
pub trait Kv {
    /// The value under `key`, `None` if absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;

    /// Stores `value` under `key`, expiring after `ttl` (rounded up to [`MIN_TTL`]) if given.
    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError>;

    /// Removes `key`. Removing an absent key succeeds.
    async fn delete(&self, key: &str) -> Result<(), PortError>;

    /// Up to `limit` live keys starting with `prefix`, continuing after `cursor`.
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError>;

    /// Whether the store lives beside the instance (Spin's SQLite-backed store, memory), so a
    /// read costs about as much as a local database query and may sit on a request's path.
    /// A remote store (Workers KV: a network hop, tens of milliseconds when the key is not
    /// cached at the location) answers `false`, and callers keep it off the request's path.
    fn is_local(&self) -> bool {
        false
    }
}

/// Validates a key the same way on every backend, so a key that works in tests works at the edge.
pub fn check_key(key: &str) -> Result<(), PortError> {
    if key.is_empty() || key.len() > 512 {
        return Err(PortError::invalid_input("kv key must be 1..=512 bytes"));
    }
    if key == "." || key == ".." {
        return Err(PortError::invalid_input("kv key may not be '.' or '..'"));
    }
    Ok(())
}

/// The TTL actually applied for a requested one.
pub fn effective_ttl(ttl: Duration) -> Duration {
    ttl.max(MIN_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_like_workers_kv() {
        assert!(check_key("a").is_ok());
        assert!(check_key(&"k".repeat(512)).is_ok());
        assert!(check_key("").is_err());
        assert!(check_key(&"k".repeat(513)).is_err());
        assert!(check_key("..").is_err());
    }

    #[test]
    fn short_ttls_round_up() {
        assert_eq!(effective_ttl(Duration::from_secs(1)), MIN_TTL);
        assert_eq!(effective_ttl(Duration::from_secs(600)), Duration::from_secs(600));
    }
}
