//! Reading Spin's request body stream under a limit.

use bytes::Bytes;
use http_body_util::BodyExt;
use spin_sdk::wasip3::http_compat::IncomingRequestBody;
use web::{BodyError, IncomingBody, append_within_limit};

/// The unread body of a Spin request.
pub struct SpinBody(IncomingRequestBody);

impl SpinBody {
    /// Wraps Spin's body stream.
    pub fn new(body: IncomingRequestBody) -> Self {
        Self(body)
    }
}

impl IncomingBody for SpinBody {
    async fn read_to_end(mut self, limit: usize) -> Result<Bytes, BodyError> {
        let mut buffer = Vec::new();
        while let Some(frame) = self.0.frame().await {
            let frame = frame.map_err(|e| BodyError::Unreadable(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                append_within_limit(&mut buffer, &data, limit)?;
            }
        }
        Ok(Bytes::from(buffer))
    }
}
