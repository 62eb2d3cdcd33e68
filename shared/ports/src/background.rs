//! Work that continues after the response (cache refreshes).

use std::future::Future;
use std::pin::Pin;

/// A task to run after (or beside) the response.
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Runs tasks in the background: `ctx.waitUntil` on Workers, a spawned task on Spin, a queue
/// the test drives natively. Tasks must tolerate never running (the platform may stop them).
pub trait Background {
    /// Schedules `task`.
    fn spawn(&self, task: Task);
}
