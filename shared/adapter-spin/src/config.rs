//! Configuration from Spin variables.

use async_trait::async_trait;
use ports::{Config, PortError, Secret};
use spin_sdk::variables;

/// Spin application variables (declared in `spin.toml`, `secret = true` for secrets).
/// A variable the component was not granted reads as unset.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinConfig;

async fn lookup(name: &str) -> Result<Option<String>, PortError> {
    match variables::get(name).await {
        Ok(value) => Ok(Some(value)),
        Err(variables::Error::Undefined(_) | variables::Error::InvalidName(_)) => Ok(None),
        Err(error) => Err(PortError::unavailable(format!("spin variable {name}: {error}"))),
    }
}

#[async_trait(?Send)]
impl Config for SpinConfig {
    async fn var(&self, name: &str) -> Result<Option<String>, PortError> {
        lookup(name).await
    }

    async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError> {
        Ok(lookup(name).await?.map(Secret::new))
    }
}
