//! Reading a Worker request's body stream under a limit.

use bytes::Bytes;
use futures_util::StreamExt;
use web::{BodyError, IncomingBody, append_within_limit};
use worker::worker_sys::web_sys;

/// The unread body of a `fetch` event's request.
pub struct WorkerBody(web_sys::Request);

impl WorkerBody {
    /// Takes the request whose body will be read.
    pub fn new(request: web_sys::Request) -> Self {
        Self(request)
    }
}

impl IncomingBody for WorkerBody {
    async fn read_to_end(self, limit: usize) -> Result<Bytes, BodyError> {
        if self.0.body().is_none() {
            return Ok(Bytes::new());
        }
        let mut request = worker::Request::from(self.0);
        let mut stream = request.stream().map_err(|e| BodyError::Unreadable(e.to_string()))?;
        let mut buffer = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
            append_within_limit(&mut buffer, &chunk, limit)?;
        }
        Ok(Bytes::from(buffer))
    }
}
