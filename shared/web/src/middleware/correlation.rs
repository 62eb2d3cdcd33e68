//! The ids that tie a request's response, log lines and outbound calls together: its request
//! id ([`request_id`](super::request_id)) and its trace context ([`TraceContext`]), minted from
//! one random draw.

use http::HeaderMap;
use ports::Random;
use ports::random::random_array;

use super::request_id;
use crate::TraceContext;

/// A request's request id and trace.
#[derive(Debug, Clone)]
pub(crate) struct Correlation {
    /// The inbound `X-Request-ID` if sane, else a new one.
    pub(crate) request_id: String,
    /// The inbound trace continued, or a new one.
    pub(crate) trace: TraceContext,
}

impl Correlation {
    /// Reads both from `headers`, drawing from `random` once for whatever must be new (16 bytes
    /// for a request id, 8 for a span, 16 for a trace id). Without entropy the ids fall back to
    /// fixed values: a request never fails for want of an id.
    pub(crate) fn of(headers: &HeaderMap, random: &dyn Random) -> Self {
        let fresh = random_array::<40>(random).unwrap_or([0; 40]);
        let (for_request_id, for_trace) = fresh.split_at(16);
        Self {
            request_id: request_id::resolve_with(headers, for_request_id.try_into().unwrap_or_default()),
            trace: TraceContext::from_fresh_ids(headers, for_trace.try_into().unwrap_or([0; 24])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use ports::random::SystemRandom;

    #[test]
    fn keeps_inbound_ids_and_mints_the_rest() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("req-7"));
        let ids = Correlation::of(&headers, &SystemRandom);
        assert_eq!(ids.request_id, "req-7");
        assert_eq!(ids.trace.trace_id().len(), 32);
        let other = Correlation::of(&HeaderMap::new(), &SystemRandom);
        assert_eq!(other.request_id.len(), 32);
        assert_ne!(other.request_id, other.trace.trace_id(), "request id and trace id come from different bytes");
    }
}
