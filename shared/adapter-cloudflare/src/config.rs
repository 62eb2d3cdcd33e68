//! Configuration from Worker vars and secrets.

use async_trait::async_trait;
use ports::{Config, PortError, Secret};

/// Vars (`[vars]` in `wrangler.toml`) and secrets (`wrangler secret put`). Port names are
/// `snake_case`; bindings are the same in `UPPER_SNAKE_CASE` (`max_body_bytes` → `MAX_BODY_BYTES`).
#[derive(Clone)]
pub struct EnvConfig {
    env: worker::Env,
}

impl EnvConfig {
    /// Reads from `env`.
    pub fn new(env: worker::Env) -> Self {
        Self { env }
    }
}

/// The binding name for a port variable name.
pub fn binding_name(name: &str) -> String {
    name.to_ascii_uppercase()
}

#[async_trait(?Send)]
impl Config for EnvConfig {
    async fn var(&self, name: &str) -> Result<Option<String>, PortError> {
        // A missing binding is an unset variable; vars and secrets share one type.
        Ok(self.env.var(&binding_name(name)).ok().map(|v| v.to_string()))
    }

    async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError> {
        Ok(self.env.secret(&binding_name(name)).ok().map(|v| Secret::new(v.to_string())))
    }
}
