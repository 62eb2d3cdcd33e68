//! Outbound HTTP.

use async_trait::async_trait;
use bytes::Bytes;

use crate::PortError;

/// Sends HTTP requests to other services. Redirects are never followed: a 3xx is the answer.
#[async_trait(?Send)]
pub trait HttpClient {
    /// Sends `request` and returns the whole response. Transport failures are
    /// [`PortErrorKind::Unavailable`](crate::PortErrorKind::Unavailable); HTTP error statuses are
    /// ordinary responses.
    async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError>;
}
