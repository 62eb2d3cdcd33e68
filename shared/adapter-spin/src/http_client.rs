//! Outbound HTTP through Spin (hosts must be listed in `allowed_outbound_hosts`).

use std::rc::Rc;

use async_trait::async_trait;
use bytes::Bytes;
use ports::jobs::NoQueue;
use ports::{HttpClient, Jobs, PortError};

use crate::ChainedJobs;
use spin_sdk::http::{FullBody, body::IncomingBodyExt, send};

/// Spin's outbound HTTP.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinHttp;

#[async_trait(?Send)]
impl HttpClient for SpinHttp {
    async fn send(&self, mut request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        let uri = request.uri().to_string();
        // The body is whole: frame it by length, not chunks (many receivers, webhook ones
        // among them, read only `Content-Length` bodies).
        if !request.body().is_empty() && !request.headers().contains_key(http::header::CONTENT_LENGTH) {
            let length = http::HeaderValue::from(request.body().len());
            request.headers_mut().insert(http::header::CONTENT_LENGTH, length);
        }
        let response = send(request.map(FullBody::new))
            .await
            .map_err(|e| PortError::unavailable(format!("outbound {uri}: {e}")))?;
        let (head, body) = response.into_parts();
        let body = body.bytes().await.map_err(|e| PortError::unavailable(format!("outbound {uri} body: {e}")))?;
        Ok(http::Response::from_parts(head, body))
    }
}

/// A component's outbound ports: HTTP, and the jobs it queues (which go out over that HTTP,
/// [`ChainedJobs`]).
pub type Outbound = (Rc<dyn HttpClient>, Rc<dyn Jobs>);

impl SpinHttp {
    /// This client, and jobs sent through it, as the platform's ports.
    pub fn outbound() -> Outbound {
        let http: Rc<dyn HttpClient> = Rc::new(SpinHttp);
        (http.clone(), Rc::new(ChainedJobs::new(http)))
    }
}

/// The outbound HTTP port of a component exported without `outbound_http`: every request
/// fails as unavailable, and no `wasi:http/client` code is linked in.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoOutboundHttp;

impl NoOutboundHttp {
    /// This client as the platform's port, and no queue (jobs fail as unavailable and are
    /// logged; such a component has none to queue).
    pub fn outbound() -> Outbound {
        (Rc::new(NoOutboundHttp), Rc::new(NoQueue))
    }
}

#[async_trait(?Send)]
impl HttpClient for NoOutboundHttp {
    async fn send(&self, _request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        Err(PortError::unavailable(
            "outbound HTTP is not enabled: export the component with `export_component!(router, outbound_http)`",
        ))
    }
}
