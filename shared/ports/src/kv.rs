//! Key-value storage with expiry.

use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;

use crate::sql::{Statement, Value};
use crate::{Clock, PortError, Random, Sql};

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

/// Key-value storage in a SQL table (`kv_entries`, migration 0009), expiry included: what a
/// runtime without a store of its own with TTLs uses (Spin). Expired entries are invisible
/// at once and deleted a batch at a time, by an indexed statement, on about one TTL write in
/// [`PURGE_ONE_IN`].
pub struct SqlKv {
    sql: Rc<dyn Sql>,
    clock: Rc<dyn Clock>,
    random: Rc<dyn Random>,
}

/// One TTL write in this many also deletes up to [`PURGE_BATCH`] expired entries.
pub const PURGE_ONE_IN: u64 = 64;
/// Expired entries deleted per purge: more than a write can create between two purges.
pub const PURGE_BATCH: u32 = 256;

impl SqlKv {
    /// Entries stored through `sql`, timed by `clock`; `random` picks the writes that purge.
    pub fn new(sql: Rc<dyn Sql>, clock: Rc<dyn Clock>, random: Rc<dyn Random>) -> Self {
        Self { sql, clock, random }
    }

    fn purges_now(&self) -> bool {
        let mut bytes = [0u8; 8];
        self.random.fill(&mut bytes).is_ok() && u64::from_le_bytes(bytes).is_multiple_of(PURGE_ONE_IN)
    }
}

#[async_trait(?Send)]
impl Kv for SqlKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        check_key(key)?;
        let statement =
            Statement::new("SELECT value FROM kv_entries WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)")
                .bind(key)
                .bind(self.clock.now_millis());
        match self.sql.query_optional(&statement).await? {
            Some(row) => Ok(Some(row.get::<Vec<u8>>("value")?)),
            None => Ok(None),
        }
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        check_key(key)?;
        let now = self.clock.now_millis();
        let expires_at =
            ttl.map(|ttl| now.saturating_add(i64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(i64::MAX)));
        let statement = Statement::new(
            "INSERT INTO kv_entries (key, value, expires_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(value.to_vec())
        .bind(expires_at.map(|at| at.min(crate::sql::MAX_SAFE_INTEGER)));
        self.sql.run(&statement).await?;
        if expires_at.is_some() && self.purges_now() {
            let purge = Statement::new(
                "DELETE FROM kv_entries WHERE key IN \
                 (SELECT key FROM kv_entries WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
            )
            .bind(now)
            .bind(PURGE_BATCH);
            // Best effort: the write itself succeeded, and a later purge tries again.
            let _ = self.sql.run(&purge).await;
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        check_key(key)?;
        self.sql.run(&Statement::new("DELETE FROM kv_entries WHERE key = ?1").bind(key)).await.map(drop)
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        let limit = limit.clamp(1, 1000);
        // Every key starting with `prefix` sorts below `prefix` followed by the largest char.
        let upper = format!("{prefix}{}", char::MAX);
        let after = cursor.filter(|c| *c >= prefix).unwrap_or(prefix);
        let statement = Statement::new(
            "SELECT key FROM kv_entries WHERE key >= ?1 AND key < ?2 AND key > ?3 \
             AND (expires_at IS NULL OR expires_at > ?4) ORDER BY key LIMIT ?5",
        )
        .bind(prefix)
        .bind(upper)
        .bind(Value::from(if cursor.is_some() { after } else { "" }))
        .bind(self.clock.now_millis())
        .bind(limit + 1);
        let mut keys: Vec<String> =
            self.sql.query(&statement).await?.iter().map(|row| row.get("key")).collect::<Result<_, _>>()?;
        let more = keys.len() > limit as usize;
        keys.truncate(limit as usize);
        let cursor = if more { keys.last().cloned() } else { None };
        Ok(KeyPage { keys, cursor })
    }

    /// The table is in the instance's own database.
    fn is_local(&self) -> bool {
        true
    }
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
