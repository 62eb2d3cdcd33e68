//! Building a request head from what a runtime hands over, without ever failing.
//!
//! Runtimes give the adapters a method, a target and header pairs as text or bytes. Some of it
//! may not fit `http`'s types (a header value with control bytes, a method with spaces, a
//! target that is not a URI). Failing there would leave the runtime to answer with a bare 500;
//! instead the head is built from what is usable and the first defect is attached as a
//! [`MalformedRequest`] extension, which [`crate::App::handle`] answers with a 400 problem
//! (with request id, security headers and a log line like every other response).

use http::{HeaderName, HeaderValue, Method, Uri};

/// What made a request unusable, attached to its extensions by [`request_head`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedRequest {
    /// What was wrong, for the client (names the header, never echoes its value).
    pub detail: String,
}

/// A request head (method, target, headers) with no body, built leniently: anything that
/// does not fit is left out and recorded as a [`MalformedRequest`] extension.
///
/// `target` is an absolute URL or an origin-form path with query (`/a?b`); one that does not
/// parse becomes `/`.
pub fn request_head<N, V>(method: &str, target: &str, headers: impl IntoIterator<Item = (N, V)>) -> http::Request<()>
where
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut defect: Option<String> = None;
    let mut note = |detail: String| {
        defect.get_or_insert(detail);
    };
    let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|_| {
        note("The request method is not a valid token.".to_owned());
        Method::GET
    });
    let uri = target.parse::<Uri>().unwrap_or_else(|_| {
        note("The request target is not a valid URI.".to_owned());
        Uri::from_static("/")
    });
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let map = request.headers_mut();
    for (name, value) in headers {
        let Ok(name) = HeaderName::from_bytes(name.as_ref()) else {
            note("A request header name is not a valid token.".to_owned());
            continue;
        };
        match HeaderValue::from_bytes(value.as_ref()) {
            Ok(value) => {
                map.append(name, value);
            }
            Err(_) => note(format!("The value of the `{name}` header contains bytes HTTP does not allow.")),
        }
    }
    if let Some(detail) = defect {
        request.extensions_mut().insert(MalformedRequest { detail });
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_parts_pass_through() {
        let head = request_head("PATCH", "https://api.example/v1/x?y=1", [("if-match", &b"\"v1\""[..]), ("a", b"1")]);
        assert_eq!(head.method(), Method::PATCH);
        assert_eq!(head.uri().path(), "/v1/x");
        assert_eq!(head.uri().query(), Some("y=1"));
        assert_eq!(head.headers()["if-match"], "\"v1\"");
        assert!(head.extensions().get::<MalformedRequest>().is_none());
    }

    #[test]
    fn obs_text_is_kept_as_bytes() {
        // Bytes 0x80-0xFF are allowed in field values (RFC 9110 obs-text); handlers see them
        // as "not text" (`Request::header` gives None) and decide.
        let head = request_head("GET", "/", [("if-match", &b"\xff\xfe"[..])]);
        assert_eq!(head.headers()["if-match"].as_bytes(), b"\xff\xfe");
        assert!(head.extensions().get::<MalformedRequest>().is_none());
    }

    #[test]
    fn defects_are_recorded_not_fatal() {
        let head = request_head("GET", "/ok", [("x-bad", &b"a\nb"[..]), ("bad name", b"v"), ("x-good", b"v")]);
        assert_eq!(head.headers().len(), 1, "only the usable header is kept");
        let defect = head.extensions().get::<MalformedRequest>().expect("recorded");
        assert!(defect.detail.contains("x-bad"), "the first defect names the header: {}", defect.detail);
        assert!(!defect.detail.contains("a\nb"), "never echoes the value");

        let head = request_head("GE T", "not a uri at all", std::iter::empty::<(&str, &str)>());
        assert_eq!(head.uri().path(), "/");
        assert!(head.extensions().get::<MalformedRequest>().is_some());
    }
}
