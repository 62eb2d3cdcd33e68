//! Outbound HTTP answered by a test-supplied function.

use std::cell::RefCell;

use async_trait::async_trait;
use bytes::Bytes;
use ports::{HttpClient, PortError};

type Responder = Box<dyn Fn(&http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError>>;

/// Answers outbound requests with a function and records them, so tests see exactly what a
/// handler sent. Without a responder every call fails as unavailable (no network in tests).
#[derive(Default)]
pub struct FakeHttp {
    responder: RefCell<Option<Responder>>,
    sent: RefCell<Vec<http::Request<Bytes>>>,
    hanging: std::cell::Cell<bool>,
}

impl FakeHttp {
    /// Answers future requests with `responder`.
    pub fn respond_with(
        &self,
        responder: impl Fn(&http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> + 'static,
    ) {
        *self.responder.borrow_mut() = Some(Box::new(responder));
        self.hanging.set(false);
    }

    /// From now on requests are recorded and never answered (a peer that hangs), until
    /// [`FakeHttp::respond_with`] is called again.
    pub fn hang(&self) {
        self.hanging.set(true);
    }

    /// How many requests were sent.
    pub fn sent_count(&self) -> usize {
        self.sent.borrow().len()
    }

    /// A header of each request sent, in order (`None` where it was absent).
    pub fn sent_header(&self, name: &str) -> Vec<Option<String>> {
        let value = |r: &http::Request<Bytes>| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.sent.borrow().iter().map(value).collect()
    }

    /// The bodies of the requests sent to `uri`, in order.
    pub fn sent_bodies(&self, uri: &str) -> Vec<Bytes> {
        self.sent.borrow().iter().filter(|r| r.uri() == uri).map(|r| r.body().clone()).collect()
    }

    /// The URIs of the requests sent, in order.
    pub fn sent_uris(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|r| r.uri().to_string()).collect()
    }
}

#[async_trait(?Send)]
impl HttpClient for FakeHttp {
    async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        if self.hanging.get() {
            self.sent.borrow_mut().push(request);
            return std::future::pending().await;
        }
        let answer = match self.responder.borrow().as_ref() {
            Some(responder) => responder(&request),
            None => Err(PortError::unavailable(format!("no network in native tests ({})", request.uri()))),
        };
        self.sent.borrow_mut().push(request);
        answer
    }
}
