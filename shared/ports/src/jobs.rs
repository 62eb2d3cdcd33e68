//! Durable work for later: a job queued outside the instance (a Cloudflare Queue), delivered to
//! the runtime's consumer and retried by the platform until it succeeds.

use async_trait::async_trait;

use crate::PortError;

/// Queues jobs by name (the consumer maps each name to its code).
#[async_trait(?Send)]
pub trait Jobs {
    /// Queues `job`. On a runtime without a queue this fails as unavailable, and the caller
    /// does the work itself after the response ([`Background`](crate::Background)).
    async fn enqueue(&self, job: &str) -> Result<(), PortError>;
}

/// The port of a runtime with no queue (Spin, native tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoQueue;

#[async_trait(?Send)]
impl Jobs for NoQueue {
    async fn enqueue(&self, job: &str) -> Result<(), PortError> {
        Err(PortError::unavailable(format!("no queue on this runtime for job {job}")))
    }
}
