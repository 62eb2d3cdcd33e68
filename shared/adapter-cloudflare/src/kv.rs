//! Key-value storage over Workers KV.

use std::time::Duration;

use async_trait::async_trait;
use ports::kv::{KeyPage, check_key, effective_ttl};
use ports::{Kv, PortError};

/// A Workers KV namespace binding, looked up per call so a missing binding is a 503.
pub struct WorkersKv {
    env: worker::Env,
    binding: &'static str,
}

impl WorkersKv {
    /// The KV binding `binding` of `env`.
    pub fn new(env: worker::Env, binding: &'static str) -> Self {
        Self { env, binding }
    }

    fn store(&self) -> Result<worker::KvStore, PortError> {
        self.env.kv(self.binding).map_err(|e| PortError::unavailable(format!("KV binding {}: {e}", self.binding)))
    }
}

fn kv_error(error: worker::kv::KvError) -> PortError {
    PortError::unavailable(format!("workers kv: {error}"))
}

#[async_trait(?Send)]
impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        check_key(key)?;
        self.store()?.get(key).bytes().await.map_err(kv_error)
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        check_key(key)?;
        let mut put = self.store()?.put_bytes(key, value).map_err(kv_error)?;
        if let Some(ttl) = ttl {
            put = put.expiration_ttl(effective_ttl(ttl).as_secs());
        }
        put.execute().await.map_err(kv_error)
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        check_key(key)?;
        self.store()?.delete(key).await.map_err(kv_error)
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        let mut list = self.store()?.list().prefix(prefix.to_owned()).limit(u64::from(limit.clamp(1, 1000)));
        if let Some(cursor) = cursor {
            list = list.cursor(cursor.to_owned());
        }
        let page = list.execute().await.map_err(kv_error)?;
        Ok(KeyPage {
            keys: page.keys.into_iter().map(|k| k.name).collect(),
            cursor: if page.list_complete { None } else { page.cursor },
        })
    }
}
