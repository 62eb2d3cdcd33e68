//! `X-Request-ID`: accept a sane inbound id, otherwise mint one.

use std::fmt::Write as _;

use http::HeaderMap;

/// The header that carries the id in both directions.
pub(crate) const HEADER: &str = "x-request-id";

const MAX_LEN: usize = 128;

/// The inbound id if it is 1–128 characters of `[A-Za-z0-9._:-]`, else a new one from `fresh`
/// (random bytes the pipeline drew with the request's other ids; all zeros, i.e. no entropy,
/// give a fixed id, only unique enough for logs). Anything else (spaces, quotes, control
/// characters) could forge log lines, so it is dropped.
pub(crate) fn resolve_with(headers: &HeaderMap, fresh: [u8; 16]) -> String {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane(id))
        .map_or_else(|| generate(fresh), str::to_owned)
}

fn is_sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn generate(fresh: [u8; 16]) -> String {
    if fresh == [0; 16] {
        return "unavailable-entropy".to_owned();
    }
    let mut id = String::with_capacity(32);
    for byte in fresh {
        let _ = write!(id, "{byte:02x}");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use ports::random::{SystemRandom, random_array};

    fn resolve(headers: &HeaderMap) -> String {
        resolve_with(headers, random_array::<16>(&SystemRandom).unwrap())
    }

    fn with(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(id).unwrap());
        headers
    }

    #[test]
    fn keeps_sane_ids() {
        assert_eq!(resolve(&with("abc-123_x.y:z")), "abc-123_x.y:z");
    }

    #[test]
    fn replaces_unsafe_or_oversized_ids() {
        for bad in ["has space", "quote\"", &"a".repeat(129), ""] {
            let id = resolve(&with(bad));
            assert_ne!(id, bad);
            assert_eq!(id.len(), 32);
        }
    }

    #[test]
    fn mints_when_absent() {
        let a = resolve(&HeaderMap::new());
        let b = resolve(&HeaderMap::new());
        assert_ne!(a, b);
    }
}
