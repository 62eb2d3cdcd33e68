//! Key-value storage over a Spin store, with TTLs from [`crate::kv_envelope`] and expired
//! entries swept now and then ([`crate::kv_sweep`]).

use std::time::Duration;

use async_trait::async_trait;
use ports::clock::SystemClock;
use ports::kv::{KeyPage, check_key, effective_ttl};
use ports::random::SystemRandom;
use ports::{Clock, Kv, PortError, Random};
use spin_sdk::key_value::{Error, Store};

use crate::kv_envelope::{Opened, open, seal};
use crate::kv_sweep::{SWEEP_KEYS, Sample, sweeps};
use crate::lazy::Lazy;

/// A Spin key-value store, opened on first use.
pub struct SpinKv {
    label: &'static str,
    store: Lazy<Store>,
}

impl SpinKv {
    /// The store `label` (granted in `spin.toml` as `key_value_stores`).
    pub fn new(label: &'static str) -> Self {
        Self { label, store: Lazy::new() }
    }

    async fn store(&self) -> Result<std::rc::Rc<Store>, PortError> {
        self.store.get_or_open(|| async { Store::open(self.label).await.map_err(kv_error) }).await
    }

    /// Reads a random sample of the store's keys with [`Kv::get`], which deletes what expired.
    async fn sweep(&self, store: &Store) -> Result<(), PortError> {
        let mut keys = store.get_keys().await;
        let mut sample = Sample::new(SWEEP_KEYS, random_u64()?);
        while let Some(key) = keys.next().await {
            sample.offer(key);
        }
        keys.result().await.map_err(kv_error)?;
        for key in sample.into_items() {
            self.get(&key).await?;
        }
        Ok(())
    }
}

fn random_u64() -> Result<u64, PortError> {
    let mut bytes = [0u8; 8];
    SystemRandom.fill(&mut bytes)?;
    Ok(u64::from_le_bytes(bytes))
}

fn kv_error(error: Error) -> PortError {
    match error {
        Error::NoSuchStore | Error::AccessDenied | Error::StoreTableFull => {
            PortError::unavailable(format!("spin kv: {error}"))
        }
        Error::Other(message) => PortError::unavailable(format!("spin kv: {message}")),
    }
}

#[async_trait(?Send)]
impl Kv for SpinKv {
    /// Spin's store is a SQLite file beside the runtime.
    fn is_local(&self) -> bool {
        true
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        check_key(key)?;
        let store = self.store().await?;
        let Some(stored) = store.get(key).await.map_err(kv_error)? else { return Ok(None) };
        match open(&stored, SystemClock.now_millis())? {
            Opened::Live(value) => Ok(Some(value.to_vec())),
            Opened::Expired => {
                store.delete(key).await.map_err(kv_error)?;
                Ok(None)
            }
        }
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        check_key(key)?;
        let expires_at = ttl.map(|ttl| {
            let millis = i64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(i64::MAX);
            SystemClock.now_millis().saturating_add(millis)
        });
        let store = self.store().await?;
        store.set(key, seal(value, expires_at)).await.map_err(kv_error)?;
        // Best effort: the write itself has succeeded, and a later sweep tries again.
        if expires_at.is_some() && random_u64().is_ok_and(sweeps) {
            let _ = self.sweep(&store).await;
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        check_key(key)?;
        self.store().await?.delete(key).await.map_err(kv_error)
    }

    /// Spin lists every key of a store at once; this filters, sorts and pages them, reading
    /// each candidate to skip expired ones.
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        let store = self.store().await?;
        let mut keys: Vec<String> = store
            .get_keys()
            .await
            .collect()
            .await
            .map_err(kv_error)?
            .into_iter()
            .filter(|k| k.starts_with(prefix) && cursor.is_none_or(|c| k.as_str() > c))
            .collect();
        keys.sort_unstable();
        let limit = usize::try_from(limit.clamp(1, 1000)).unwrap_or(1000);
        let mut page = Vec::new();
        let mut remaining = keys.into_iter();
        for key in remaining.by_ref() {
            if self.get(&key).await?.is_some() {
                page.push(key);
                if page.len() == limit {
                    break;
                }
            }
        }
        let cursor = if remaining.next().is_some() { page.last().cloned() } else { None };
        Ok(KeyPage { keys: page, cursor })
    }
}
