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

/// A [`Config`] that remembers every answer for the life of the instance.
///
/// Deployment configuration does not change under a running instance (a Worker isolate or a
/// Spin instance is replaced when it does), and every lookup crosses into the host: a
/// JavaScript call on Workers, a host call on Spin, several per request. Failures are not
/// remembered. Native tests use their configuration directly, since they change it.
pub struct Remembered<C> {
    inner: C,
}

thread_local! {
    /// Answers by (is secret, name). One deployment per instance, so one table.
    static ANSWERS: std::cell::RefCell<std::collections::HashMap<(bool, String), Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl<C: Config> Remembered<C> {
    /// Remembers what `inner` answers.
    pub fn new(inner: C) -> Self {
        Self { inner }
    }

    async fn lookup(&self, secret: bool, name: &str) -> Result<Option<String>, PortError> {
        let key = (secret, name.to_owned());
        if let Some(answer) = ANSWERS.with_borrow(|answers| answers.get(&key).cloned()) {
            return Ok(answer);
        }
        let answer = if secret {
            self.inner.secret(name).await?.map(|s| s.expose().to_owned())
        } else {
            self.inner.var(name).await?
        };
        ANSWERS.with_borrow_mut(|answers| answers.insert(key, answer.clone()));
        Ok(answer)
    }
}

#[async_trait(?Send)]
impl<C: Config> Config for Remembered<C> {
    async fn var(&self, name: &str) -> Result<Option<String>, PortError> {
        self.lookup(false, name).await
    }

    async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError> {
        Ok(self.lookup(true, name).await?.map(Secret::new))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Counts lookups; `fail` makes them unavailable.
    struct Counting {
        calls: Cell<u32>,
        fail: Cell<bool>,
    }

    #[async_trait(?Send)]
    impl Config for Counting {
        async fn var(&self, name: &str) -> Result<Option<String>, PortError> {
            self.calls.set(self.calls.get() + 1);
            if self.fail.get() {
                return Err(PortError::unavailable("provider down"));
            }
            Ok((name == "set").then(|| "value".to_owned()))
        }
        async fn secret(&self, name: &str) -> Result<Option<Secret>, PortError> {
            self.var(name).await.map(|v| v.map(|v| Secret::new(format!("secret-{v}"))))
        }
    }

    #[test]
    fn answers_are_remembered_but_failures_are_not() {
        futures_lite_block_on(async {
            let config = Remembered::new(Counting { calls: Cell::new(0), fail: Cell::new(true) });
            assert!(config.var("set").await.is_err());
            config.inner.fail.set(false);
            assert_eq!(config.var("set").await.unwrap().as_deref(), Some("value"));
            assert_eq!(config.var("set").await.unwrap().as_deref(), Some("value"));
            assert_eq!(config.var("unset").await.unwrap(), None);
            assert_eq!(config.var("unset").await.unwrap(), None);
            assert_eq!(config.inner.calls.get(), 3, "one failed call, then one per name");
            let secret = config.secret("set").await.unwrap().unwrap();
            assert_eq!(secret.expose(), "secret-value", "secrets are looked up separately from vars");
        });
    }

    /// Runs a future that never waits on anything (the test double answers at once).
    fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }
}
