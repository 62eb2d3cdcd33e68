//! Jobs for tests: queued in memory, run when the test says (as a queue consumer would).

use std::cell::RefCell;

use async_trait::async_trait;
use ports::{Jobs, PortError};

/// The jobs handlers queued, in order, until a test takes them.
#[derive(Debug, Default)]
pub struct QueuedJobs {
    queued: RefCell<Vec<String>>,
}

impl QueuedJobs {
    /// The jobs queued since the last call, oldest first (the queue is then empty).
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.queued.borrow_mut())
    }
}

#[async_trait(?Send)]
impl Jobs for QueuedJobs {
    async fn enqueue(&self, job: &str) -> Result<(), PortError> {
        self.queued.borrow_mut().push(job.to_owned());
        Ok(())
    }
}
