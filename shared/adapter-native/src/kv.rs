//! In-memory key-value storage with TTLs.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use ports::kv::{KeyPage, check_key, effective_ttl};
use ports::{Clock, Kv, PortError};

struct Entry {
    value: Vec<u8>,
    expires_at: Option<i64>,
}

/// A [`Kv`] in a sorted map. Expiry follows the platform clock, so tests can move time.
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, Entry>>,
    clock: Rc<dyn Clock>,
    outage: Cell<bool>,
    remote: Cell<bool>,
}

impl MemoryKv {
    /// An empty store whose TTLs follow `clock`.
    pub fn new(clock: Rc<dyn Clock>) -> Self {
        Self { entries: RefCell::new(BTreeMap::new()), clock, outage: Cell::new(false), remote: Cell::new(false) }
    }

    /// Makes the store report itself remote ([`Kv::is_local`] false), as Workers KV does, so
    /// callers take the paths they take at the edge.
    pub fn set_remote(&self, remote: bool) {
        self.remote.set(remote);
    }

    /// Makes every call fail as unavailable (or work again), to test degraded paths.
    pub fn set_outage(&self, down: bool) {
        self.outage.set(down);
    }

    fn check_up(&self) -> Result<(), PortError> {
        if self.outage.get() { Err(PortError::unavailable("memory kv: simulated outage")) } else { Ok(()) }
    }

    fn is_live(&self, entry: &Entry) -> bool {
        entry.expires_at.is_none_or(|at| self.clock.now_millis() < at)
    }
}

#[async_trait(?Send)]
impl Kv for MemoryKv {
    fn is_local(&self) -> bool {
        !self.remote.get()
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.check_up()?;
        check_key(key)?;
        Ok(self.entries.borrow().get(key).filter(|e| self.is_live(e)).map(|e| e.value.clone()))
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        self.check_up()?;
        check_key(key)?;
        let expires_at = ttl.map(|ttl| {
            let millis = i64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(i64::MAX);
            self.clock.now_millis().saturating_add(millis)
        });
        self.entries.borrow_mut().insert(key.to_owned(), Entry { value: value.to_vec(), expires_at });
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.check_up()?;
        check_key(key)?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        self.check_up()?;
        let entries = self.entries.borrow();
        let limit = usize::try_from(limit.clamp(1, 1000)).unwrap_or(1000);
        let mut keys = entries
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| cursor.is_none_or(|c| k.as_str() > c))
            .filter(|(_, e)| self.is_live(e))
            .map(|(k, _)| k.clone());
        let page: Vec<String> = keys.by_ref().take(limit).collect();
        let cursor = if keys.next().is_some() { page.last().cloned() } else { None };
        Ok(KeyPage { keys: page, cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn store() -> (Rc<ManualClock>, MemoryKv) {
        let clock = Rc::new(ManualClock::at(1_000_000));
        (clock.clone(), MemoryKv::new(clock))
    }

    #[tokio::test]
    async fn values_expire_after_their_ttl_rounded_up_to_the_minimum() {
        let (clock, kv) = store();
        kv.put("a", b"1", Some(Duration::from_secs(1))).await.unwrap();
        clock.advance(59_000);
        assert_eq!(kv.get("a").await.unwrap(), Some(b"1".to_vec()), "TTL rounds up to 60 s");
        clock.advance(1_000);
        assert_eq!(kv.get("a").await.unwrap(), None);
    }

    #[tokio::test]
    async fn list_pages_by_prefix_with_cursor() {
        let (_, kv) = store();
        for key in ["p:1", "p:2", "p:3", "q:1"] {
            kv.put(key, b"", None).await.unwrap();
        }
        let first = kv.list("p:", None, 2).await.unwrap();
        assert_eq!(first.keys, vec!["p:1", "p:2"]);
        let second = kv.list("p:", first.cursor.as_deref(), 2).await.unwrap();
        assert_eq!(second, KeyPage { keys: vec!["p:3".into()], cursor: None });
    }

    #[tokio::test]
    async fn outage_fails_every_call_as_unavailable() {
        let (_, kv) = store();
        kv.set_outage(true);
        assert_eq!(kv.get("a").await.unwrap_err().kind, ports::PortErrorKind::Unavailable);
        assert!(kv.delete("a").await.is_err());
    }
}
