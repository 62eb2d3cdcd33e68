//! A stand-in OpenID Connect issuer for the suite: an ES256 key and a JWKS endpoint on a free
//! loopback port (counting its requests and recording their `traceparent`), so external-token
//! checks and outbound trace propagation run end to end.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    requests: AtomicUsize,
    traceparents: Mutex<Vec<Option<String>>>,
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
            requests: AtomicUsize::new(0),
            traceparents: Mutex::new(Vec::new()),
        }));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut buffer = [0u8; 2048];
                let read = stream.read(&mut buffer).unwrap_or(0);
                let traceparent = header_value(&buffer[..read], "traceparent");
                idp.traceparents.lock().unwrap_or_else(|e| e.into_inner()).push(traceparent);
                idp.requests.fetch_add(1, Ordering::SeqCst);
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

/// How many JWKS requests the runtimes made so far.
pub fn jwks_requests() -> usize {
    idp().requests.load(Ordering::SeqCst)
}

/// The `traceparent` each JWKS request carried, in arrival order (`None`: it had none).
pub fn jwks_traceparents() -> Vec<Option<String>> {
    idp().traceparents.lock().unwrap_or_else(|e| e.into_inner()).clone()
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
