//! Configuration from an in-memory map.

use std::cell::RefCell;
use std::collections::HashMap;

use async_trait::async_trait;
use ports::{Config, PortError, Secret};

/// Variables and secrets held in maps; tests set them before (or between) requests.
#[derive(Debug, Default)]
pub struct MapConfig {
    vars: RefCell<HashMap<String, String>>,
    secrets: RefCell<HashMap<String, String>>,
}

impl MapConfig {
    /// Sets a variable.
    pub fn set_var(&self, name: &str, value: &str) {
        self.vars.borrow_mut().insert(name.to_owned(), value.to_owned());
    }

    /// Sets a secret.
    pub fn set_secret(&self, name: &str, value: &str) {
        self.secrets.borrow_mut().insert(name.to_owned(), value.to_owned());
    }
}

#[async_trait(?Send)]
impl Config for MapConfig {
    async fn var(&self, name: &str) -> Result<Option<String>, PortError> {
        Ok(self.vars.borrow().get(name).cloned())
    }

    async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError> {
        Ok(self.secrets.borrow().get(name).map(Secret::new))
    }
}
