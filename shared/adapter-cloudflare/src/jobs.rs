//! Jobs on a Cloudflare Queue (the producer binding; the Worker's `queue` handler consumes).

use async_trait::async_trait;
use ports::{Jobs, PortError};

/// Sends each job's name as a message to the queue bound as `binding`.
pub struct QueueJobs {
    env: worker::Env,
    binding: &'static str,
}

impl QueueJobs {
    /// The queue bound as `binding` in `env`.
    pub fn new(env: worker::Env, binding: &'static str) -> Self {
        Self { env, binding }
    }
}

#[async_trait(?Send)]
impl Jobs for QueueJobs {
    async fn enqueue(&self, job: &str) -> Result<(), PortError> {
        let queue = self
            .env
            .queue(self.binding)
            .map_err(|e| PortError::unavailable(format!("queue binding {}: {e}", self.binding)))?;
        queue.send(job.to_owned()).await.map_err(|e| PortError::unavailable(format!("queue {}: {e}", self.binding)))
    }
}
