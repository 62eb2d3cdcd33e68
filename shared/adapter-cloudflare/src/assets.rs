//! Static files from the Workers static-assets binding.

use async_trait::async_trait;
use ports::assets::is_safe_path;
use ports::{Assets, PortError};

/// The `ASSETS` binding (`[assets]` in `wrangler.toml`).
pub struct WorkerAssets {
    env: worker::Env,
    binding: &'static str,
}

impl WorkerAssets {
    /// Files from `env`'s `binding`.
    pub fn new(env: worker::Env, binding: &'static str) -> Self {
        Self { env, binding }
    }
}

#[async_trait(?Send)]
impl Assets for WorkerAssets {
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, PortError> {
        if !is_safe_path(path) {
            return Ok(None);
        }
        let unavailable = |e: worker::Error| PortError::unavailable(format!("assets {path}: {e}"));
        let fetcher = self.env.assets(self.binding).map_err(unavailable)?;
        let mut response = fetcher.fetch(format!("https://assets.invalid{path}"), None).await.map_err(unavailable)?;
        match response.status_code() {
            200 => Ok(Some(response.bytes().await.map_err(unavailable)?)),
            404 => Ok(None),
            status => Err(PortError::unavailable(format!("assets {path}: status {status}"))),
        }
    }
}
