//! Static files from a directory (or none).

use std::path::PathBuf;

use async_trait::async_trait;
use ports::assets::is_safe_path;
use ports::{Assets, PortError};

/// Files under a directory; with no directory, there are no files.
#[derive(Debug, Default, Clone)]
pub struct DirectoryAssets {
    root: Option<PathBuf>,
}

impl DirectoryAssets {
    /// Files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: Some(root.into()) }
    }
}

#[async_trait(?Send)]
impl Assets for DirectoryAssets {
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, PortError> {
        let Some(root) = &self.root else { return Ok(None) };
        if !is_safe_path(path) {
            return Ok(None);
        }
        match std::fs::read(root.join(&path[1..])) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(PortError::unavailable(format!("asset {path}: {error}"))),
        }
    }
}
