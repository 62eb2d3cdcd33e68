//! Reading a Worker request's body stream under a limit.

use bytes::Bytes;
use futures_util::StreamExt;
use web::{BodyError, IncomingBody, append_within_limit};

/// The unread body of a `fetch` event's request.
pub struct WorkerBody(worker::Request);

impl WorkerBody {
    /// Takes the request whose body will be read.
    pub fn new(request: worker::Request) -> Self {
        Self(request)
    }
}

impl IncomingBody for WorkerBody {
    async fn read_to_end(mut self, limit: usize) -> Result<Bytes, BodyError> {
        if self.0.inner().body().is_none() {
            return Ok(Bytes::new());
        }
        let mut stream = self.0.stream().map_err(|e| BodyError::Unreadable(e.to_string()))?;
        let mut buffer = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
            append_within_limit(&mut buffer, &chunk, limit)?;
        }
        Ok(Bytes::from(buffer))
    }
}
