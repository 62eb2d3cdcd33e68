//! Static files mounted into the component (`files` in `spin.toml`).

use async_trait::async_trait;
use ports::assets::is_safe_path;
use ports::{Assets, PortError};

/// Where `spin.toml` mounts the site (`destination`).
pub const MOUNT: &str = "/site";

/// Files under [`MOUNT`], read through WASI.
#[derive(Debug, Default, Clone, Copy)]
pub struct MountedFiles;

#[async_trait(?Send)]
impl Assets for MountedFiles {
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, PortError> {
        if !is_safe_path(path) {
            return Ok(None);
        }
        match std::fs::read(format!("{MOUNT}{path}")) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(PortError::unavailable(format!("mounted file {path}: {error}"))),
        }
    }
}
