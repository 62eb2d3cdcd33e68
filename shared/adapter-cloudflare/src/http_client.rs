//! Outbound HTTP through the Workers `fetch` API.

use async_trait::async_trait;
use bytes::Bytes;
use ports::{HttpClient, PortError};

/// The global `fetch`.
#[derive(Debug, Default, Clone, Copy)]
pub struct FetchHttp;

fn unavailable(uri: &str, error: impl std::fmt::Display) -> PortError {
    PortError::unavailable(format!("fetch {uri}: {error}"))
}

#[async_trait(?Send)]
impl HttpClient for FetchHttp {
    async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        let uri = request.uri().to_string();
        let (head, body) = request.into_parts();
        let headers = worker::Headers::new();
        for (name, value) in &head.headers {
            let value = value.to_str().map_err(|e| PortError::invalid_input(format!("header {name}: {e}")))?;
            headers.append(name.as_str(), value).map_err(|e| unavailable(&uri, e))?;
        }
        let web_init = web_sys_init(head.method.as_str(), &headers, &body);
        let request = worker::Request::new_with_init(&uri, &web_init).map_err(|e| unavailable(&uri, e))?;
        let mut response = worker::Fetch::Request(request).send().await.map_err(|e| unavailable(&uri, e))?;
        let mut builder = http::Response::builder().status(response.status_code());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let bytes = response.bytes().await.map_err(|e| unavailable(&uri, e))?;
        builder.body(Bytes::from(bytes)).map_err(|e| PortError::decode(format!("fetch {uri}: {e}")))
    }
}

fn web_sys_init(method: &str, headers: &worker::Headers, body: &Bytes) -> worker::RequestInit {
    let mut init = worker::RequestInit::new();
    // Redirects are answers, never followed (as on Spin): a 3xx to a private address must not
    // carry a webhook or a key-set fetch past the SSRF guard.
    init.with_method(worker::Method::from(method.to_owned()))
        .with_headers(headers.clone())
        .with_redirect(worker::RequestRedirect::Manual);
    if !body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_ref()).into()));
    }
    init
}
