//! A stand-in OpenID Connect issuer for the suite: an ES256 key and a JWKS endpoint on a free
//! loopback port (recording each request's trace context headers), so external-token checks
//! and outbound trace propagation run end to end.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};

use p256::ecdsa::signature::Signer;
use serde_json::{Value, json};

use crate::fixtures::{b64url, forge};

/// The issuer the runtimes are configured to trust.
pub const ISSUER: &str = "https://idp.contract.test";
/// The key id it publishes.
pub const KID: &str = "idp-ec-1";

struct Idp {
    port: u16,
    /// `traceparent` and `tracestate` of each request, in arrival order.
    trace_headers: Mutex<Vec<TraceHeaders>>,
}

/// The trace context headers one JWKS request carried (`None`: absent).
#[derive(Debug, Clone)]
pub struct TraceHeaders {
    /// `traceparent`.
    pub traceparent: Option<String>,
    /// `tracestate`.
    pub tracestate: Option<String>,
}

fn key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_bytes(&[42u8; 32].into()).expect("valid scalar")
}

fn jwks() -> Value {
    let point = key().verifying_key().to_encoded_point(false);
    json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": KID, "alg": "ES256", "use": "sig",
        "x": b64url(point.x().expect("x")), "y": b64url(point.y().expect("y"))}]})
}

fn idp() -> &'static Idp {
    static IDP: OnceLock<&'static Idp> = OnceLock::new();
    IDP.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the IdP");
        let idp: &'static Idp = Box::leak(Box::new(Idp {
            port: listener.local_addr().expect("addr").port(),
            trace_headers: Mutex::new(Vec::new()),
        }));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let head = read_head(&mut stream);
                let seen =
                    TraceHeaders { traceparent: header_value(&head, "traceparent"), tracestate: header_value(&head, "tracestate") };
                idp.trace_headers.lock().unwrap_or_else(|e| e.into_inner()).push(seen);
                let body = jwks().to_string();
                let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            }
        });
        idp
    })
}

/// Where the JWKS is served (starts the server on first use).
pub fn jwks_url() -> String {
    format!("http://127.0.0.1:{}/jwks.json", idp().port)
}

/// The trace headers each JWKS request carried, in arrival order.
pub fn jwks_trace_headers() -> Vec<TraceHeaders> {
    idp().trace_headers.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A request head, read until its blank line (at most 16 KiB; a GET has no body).
fn read_head(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(read) => head.extend_from_slice(&chunk[..read]),
        }
    }
    head
}

/// A header of a raw HTTP/1.1 request head (names compared case-insensitively).
fn header_value(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n").skip(1).take_while(|line| !line.is_empty()).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// An ES256 token from this issuer (header `kid` and claims overridable).
pub fn token(kid: &str, patch: Value) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let mut claims = json!({"iss": ISSUER, "sub": "idp-user-1", "aud": "orderflow-api", "iat": now, "exp": now + 300});
    for (k, v) in patch.as_object().into_iter().flatten() {
        claims[k] = v.clone();
    }
    forge(&json!({"alg": "ES256", "kid": kid, "typ": "JWT"}), &claims, |input| {
        let signature: p256::ecdsa::Signature = key().sign(input);
        signature.to_bytes().to_vec()
    })
}
