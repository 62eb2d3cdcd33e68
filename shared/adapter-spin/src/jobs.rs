//! Jobs on Spin, which has no queue: each job is handed to the private `job-runner`
//! component (the webhooks component's code behind a private route in `spin.toml`) through
//! Spin's local service chaining, so only that one component carries the code that runs jobs.

use std::rc::Rc;

use async_trait::async_trait;
use bytes::Bytes;
use ports::{HttpClient, Jobs, PortError};

/// Where a job goes: `POST` this plus the job's name (the runner serves
/// `/internal/jobs/{job}`, `webhooks::job_router`; only local service chaining reaches the
/// host, and callers list it in their `allowed_outbound_hosts`).
pub const JOB_RUNNER_URL: &str = "http://job-runner.spin.internal/internal/jobs/";

/// Runs each job by a request to the `job-runner` component, answered when the job is done.
pub struct ChainedJobs {
    http: Rc<dyn HttpClient>,
}

impl ChainedJobs {
    /// Jobs sent through `http` (the component's outbound HTTP).
    pub fn new(http: Rc<dyn HttpClient>) -> Self {
        Self { http }
    }
}

#[async_trait(?Send)]
impl Jobs for ChainedJobs {
    async fn enqueue(&self, job: &str) -> Result<(), PortError> {
        let request = http::Request::post(format!("{JOB_RUNNER_URL}{job}"))
            .body(Bytes::new())
            .map_err(|e| PortError::invalid_input(format!("job {job}: {e}")))?;
        let response = self.http.send(request).await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(PortError::unavailable(format!("job {job}: the runner answered {}", response.status())))
        }
    }
}
