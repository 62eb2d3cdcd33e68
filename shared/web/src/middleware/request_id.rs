//! `X-Request-ID`: accept a sane inbound id, otherwise mint one.

use http::HeaderMap;
use ports::{Random, random::random_hex};

/// The header that carries the id in both directions.
pub(crate) const HEADER: &str = "x-request-id";

const MAX_LEN: usize = 128;

/// The inbound id if it is 1–128 characters of `[A-Za-z0-9._:-]`, else a fresh random one.
/// Anything else (spaces, quotes, control characters) could forge log lines, so it is dropped.
pub(crate) fn resolve(headers: &HeaderMap, random: &dyn Random) -> String {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane(id))
        .map_or_else(|| generate(random), str::to_owned)
}

fn is_sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn generate(random: &dyn Random) -> String {
    // If the host has no entropy the id only needs to be unique enough for logs.
    random_hex::<16>(random).unwrap_or_else(|_| "unavailable-entropy".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use ports::random::SystemRandom;

    fn with(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(id).unwrap());
        headers
    }

    #[test]
    fn keeps_sane_ids() {
        assert_eq!(resolve(&with("abc-123_x.y:z"), &SystemRandom), "abc-123_x.y:z");
    }

    #[test]
    fn replaces_unsafe_or_oversized_ids() {
        for bad in ["has space", "quote\"", &"a".repeat(129), ""] {
            let id = resolve(&with(bad), &SystemRandom);
            assert_ne!(id, bad);
            assert_eq!(id.len(), 32);
        }
    }

    #[test]
    fn mints_when_absent() {
        let a = resolve(&HeaderMap::new(), &SystemRandom);
        let b = resolve(&HeaderMap::new(), &SystemRandom);
        assert_ne!(a, b);
    }
}
