//! Configuration variables and secrets.
//!
//! Names are lower `snake_case` (Spin's rule); the Cloudflare adapter maps them to the
//! `UPPER_SNAKE_CASE` its bindings conventionally use.

use std::fmt;

use async_trait::async_trait;

use crate::PortError;

/// A secret value. Its `Debug` output is redacted so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call sites are easy to audit with a search for `expose`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}

/// Read access to deployment configuration.
#[async_trait(?Send)]
pub trait Config {
    /// A plain variable, `Ok(None)` when it is not set.
    async fn var(&self, name: &str) -> Result<Option<String>, PortError>;

    /// A secret, `Ok(None)` when it is not set.
    async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError>;
}
