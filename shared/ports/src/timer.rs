//! Waiting for time to pass.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A future that completes after a delay.
pub type Sleep = Pin<Box<dyn Future<Output = ()>>>;

/// Sleeps without blocking the instance: a JavaScript timer on Workers, `wasi:clocks` on Spin.
///
/// A wait must be driven by the request that waits. On Workers a future woken from another
/// request's callback runs in that request's I/O context, and workerd refuses its I/O; polling
/// with one's own timer keeps each request in its own context.
pub trait Timer {
    /// Completes after roughly `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}
