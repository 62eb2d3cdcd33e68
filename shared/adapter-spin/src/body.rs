//! The `wasi:http` request → an `http` head and an unread body.
//!
//! spin-sdk's own conversion (`http_from_wasi_request`) fails on what it cannot represent (a
//! second `Content-Length`, a value `http` refuses), and a failed conversion leaves Spin to
//! answer with an empty 500. This one never fails: the head comes from [`web::request_head`]
//! (defects become a 400 problem) and the body is read straight from the request's stream.

use bytes::Bytes;
use spin_sdk::wasip3::http::types::{Method, Request as WasiRequest};
use spin_sdk::wasip3::wit_bindgen::StreamResult;
use spin_sdk::wasip3::wit_future;
use web::{BodyError, IncomingBody, append_within_limit};

/// Bytes asked for per read of the body stream.
const READ_CHUNK: usize = 16 * 1024;

/// The head of `request` (method, path and query, headers).
pub fn head_of(request: &WasiRequest) -> http::Request<()> {
    let method = match request.get_method() {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other,
    };
    let target = request.get_path_with_query().unwrap_or_else(|| "/".into());
    web::request_head(&method, &target, request.get_headers().copy_all())
}

/// The unread body of a Spin request.
pub struct SpinBody(WasiRequest);

impl SpinBody {
    /// Takes over `request` for its body (read its head with [`head_of`] first).
    pub fn new(request: WasiRequest) -> Self {
        Self(request)
    }
}

impl IncomingBody for SpinBody {
    async fn read_to_end(self, limit: usize) -> Result<Bytes, BodyError> {
        // The future tells the host whether the body was handled; dropping the writer reports Ok.
        let (_handled, handled_reader) = wit_future::new(|| Ok(()));
        let (mut stream, trailers) = WasiRequest::consume_body(self.0, handled_reader);
        let mut buffer = Vec::new();
        loop {
            let (result, chunk) = stream.read(Vec::with_capacity(READ_CHUNK)).await;
            match result {
                StreamResult::Complete(_) => append_within_limit(&mut buffer, &chunk, limit)?,
                StreamResult::Dropped | StreamResult::Cancelled => break,
            }
        }
        // (No `Debug` of the host's error code: its formatting would add kilobytes to every component.)
        trailers.await.map_err(|_| BodyError::Unreadable("the request body stream failed".into()))?;
        Ok(Bytes::from(buffer))
    }
}
