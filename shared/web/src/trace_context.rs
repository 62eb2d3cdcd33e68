//! W3C Trace Context (`traceparent`, `tracestate`): which trace a request belongs to.
//!
//! A valid inbound `traceparent` is continued: its trace id is kept, its span id becomes this
//! request's parent, and a fresh span id names this request's own span. Anything else (no
//! header, a malformed one, two of them) starts a new trace; a bad header never fails the
//! request. `tracestate` is carried along unchanged when it is well formed and belongs to a
//! continued trace, and dropped otherwise. Sampling is parent-based: an inbound decision is
//! kept; for a new trace the configured sampler decides (`telemetry`), sampled until it does.

use std::fmt::Write as _;

use http::HeaderMap;
use ports::Random;
use ports::random::random_array;

/// The inbound and outbound header naming trace, parent span and flags.
pub const TRACEPARENT: &str = "traceparent";
/// The inbound and outbound header carrying vendors' trace state.
pub const TRACESTATE: &str = "tracestate";

/// Most list members a `tracestate` may have (W3C Trace Context, section 3.3.1).
const MAX_TRACESTATE_MEMBERS: usize = 32;
/// Longest `tracestate` propagated (the specification asks for at least 512 characters).
const MAX_TRACESTATE_LEN: usize = 512;
/// The `sampled` bit of the trace flags.
const SAMPLED: u8 = 0x01;

/// The trace a request belongs to and the span it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent_span_id: Option<[u8; 8]>,
    flags: u8,
    tracestate: Option<String>,
}

impl TraceContext {
    /// Continues the trace `headers` name if their `traceparent` is valid, else starts one.
    /// Ids come from `random` (one draw); without entropy they fall back to fixed non-zero ids
    /// (valid on the wire, only unique enough for logs), since tracing must never fail a request.
    pub fn continue_or_start(headers: &HeaderMap, random: &dyn Random) -> Self {
        let fresh = random_array::<24>(random).unwrap_or([0; 24]);
        Self::from_fresh_ids(headers, fresh)
    }

    /// [`Self::continue_or_start`] with the random bytes already drawn: the span id is the
    /// first 8, a new trace's id the other 16.
    pub fn from_fresh_ids(headers: &HeaderMap, fresh: [u8; 24]) -> Self {
        let (span, trace) = fresh.split_at(8);
        let span_id = non_zero(span.try_into().unwrap_or([0; 8]), [0x5a; 8]);
        let new_trace_id = non_zero(trace.try_into().unwrap_or([0; 16]), [0xa5; 16]);
        match inbound_parent(headers) {
            Some(parent) => Self {
                trace_id: parent.trace_id,
                span_id,
                parent_span_id: Some(parent.span_id),
                flags: parent.flags,
                tracestate: inbound_tracestate(headers),
            },
            None => Self { trace_id: new_trace_id, span_id, parent_span_id: None, flags: SAMPLED, tracestate: None },
        }
    }

    /// The trace id: 32 lower-case hex digits.
    pub fn trace_id(&self) -> String {
        hex(&self.trace_id)
    }

    /// This request's span id: 16 lower-case hex digits.
    pub fn span_id(&self) -> String {
        hex(&self.span_id)
    }

    /// The caller's span id, when the trace was continued.
    pub fn parent_span_id(&self) -> Option<String> {
        self.parent_span_id.as_ref().map(|id| hex(id))
    }

    /// Whether the trace is sampled (the caller's decision, or the sampler's for a new trace).
    pub fn is_sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// Whether the trace came from the caller (else this request started it).
    pub fn is_continued(&self) -> bool {
        self.parent_span_id.is_some()
    }

    /// Records the sampler's decision for a trace this request started; a continued trace keeps
    /// its caller's decision (parent-based sampling).
    pub fn decide_sampling_of_new_trace(&mut self, decide: impl FnOnce(&[u8; 16]) -> bool) {
        if !self.is_continued() {
            self.flags = if decide(&self.trace_id) { self.flags | SAMPLED } else { self.flags & !SAMPLED };
        }
    }

    /// The trace id as bytes.
    pub fn trace_id_bytes(&self) -> [u8; 16] {
        self.trace_id
    }

    /// This request's span id as bytes.
    pub fn span_id_bytes(&self) -> [u8; 8] {
        self.span_id
    }

    /// The caller's span id as bytes, when the trace was continued.
    pub fn parent_span_id_bytes(&self) -> Option<[u8; 8]> {
        self.parent_span_id
    }

    /// The `traceparent` for calls this request makes: this trace, this request's span as the
    /// parent, the caller's sampling decision (version 00 defines no other flag, and unknown
    /// bits must go out as zero).
    pub fn outbound_traceparent(&self) -> String {
        let mut value = String::with_capacity(55);
        let _ = write!(value, "00-{}-{}-{:02x}", self.trace_id(), self.span_id(), self.flags & SAMPLED);
        value
    }

    /// The `tracestate` to pass on, if the caller sent a well-formed one.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }
}

/// What a valid inbound `traceparent` says.
struct Parent {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    flags: u8,
}

fn inbound_parent(headers: &HeaderMap) -> Option<Parent> {
    let mut values = headers.get_all(TRACEPARENT).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_traceparent(value.to_str().ok()?)
}

/// Parses `version-traceid-parentid-flags`. Version `00` is exactly 55 characters; a later
/// version may append fields after a `-`, which are ignored (section 3.2.4); `ff` is invalid.
fn parse_traceparent(value: &str) -> Option<Parent> {
    let bytes = value.trim_matches([' ', '\t']).as_bytes();
    if bytes.len() < 55 || bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
        return None;
    }
    let version = decode::<1>(&bytes[0..2])?[0];
    if version == 0xff || (version == 0 && bytes.len() != 55) || (bytes.len() > 55 && bytes[55] != b'-') {
        return None;
    }
    let trace_id = decode::<16>(&bytes[3..35]).filter(|id| *id != [0; 16])?;
    let span_id = decode::<8>(&bytes[36..52]).filter(|id| *id != [0; 8])?;
    let flags = decode::<1>(&bytes[53..55])?[0];
    Some(Parent { trace_id, span_id, flags })
}

/// The inbound `tracestate`: every `tracestate` header combined in order (section 3.3.1.1),
/// if the result has at most 32 well-formed members with distinct keys and fits in 512
/// characters; otherwise none.
fn inbound_tracestate(headers: &HeaderMap) -> Option<String> {
    let mut members: Vec<&str> = Vec::new();
    for value in headers.get_all(TRACESTATE) {
        let value = value.to_str().ok()?;
        members.extend(value.split(',').map(|m| m.trim_matches([' ', '\t'])).filter(|m| !m.is_empty()));
    }
    let keys: std::collections::HashSet<&str> =
        members.iter().filter_map(|m| m.split_once('=')).map(|(k, _)| k).collect();
    let valid = !members.is_empty()
        && members.len() <= MAX_TRACESTATE_MEMBERS
        && keys.len() == members.len()
        && members.iter().all(|m| is_member(m));
    let combined = members.join(",");
    (valid && combined.len() <= MAX_TRACESTATE_LEN).then_some(combined)
}

/// `key=value` (section 3.3.1.3): a key of lower-case letters, digits and `_-*/` starting with
/// a letter, or `tenant@system` whose tenant may start with a digit; a value of printable ASCII
/// without `,` and `=`, not ending in a space.
fn is_member(member: &str) -> bool {
    let Some((key, value)) = member.split_once('=') else { return false };
    let key_part = |part: &str, max: usize, digit_first: bool| {
        let first_ok =
            part.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || (digit_first && b.is_ascii_digit()));
        (1..=max).contains(&part.len())
            && first_ok
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'*' | b'/'))
    };
    let key_ok = match key.split_once('@') {
        Some((tenant, system)) => key_part(tenant, 241, true) && key_part(system, 14, false),
        None => key_part(key, 256, false),
    };
    let value_ok = (1..=256).contains(&value.len())
        && value.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && !value.ends_with(' ');
    key_ok && value_ok
}

/// `N` bytes from `2 * N` lower-case hex digits (upper case is invalid in trace context).
fn decode<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// `bytes` as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// `id`, unless it is all zeros (invalid in trace context), then `fallback`.
fn non_zero<const N: usize>(id: [u8; N], fallback: [u8; N]) -> [u8; N] {
    if id == [0; N] { fallback } else { id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use ports::random::SystemRandom;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn context(pairs: &[(&'static str, &str)]) -> TraceContext {
        TraceContext::continue_or_start(&headers(pairs), &SystemRandom)
    }

    #[test]
    fn continues_a_valid_traceparent_with_a_new_span() {
        let trace = context(&[(TRACEPARENT, VALID)]);
        assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_span_id().as_deref(), Some("00f067aa0ba902b7"));
        assert_ne!(trace.span_id(), "00f067aa0ba902b7");
        assert_eq!(trace.span_id().len(), 16);
        assert!(trace.is_sampled());
        assert_eq!(trace.outbound_traceparent(), format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01", trace.span_id()));
    }

    #[test]
    fn keeps_the_callers_sampling_decision() {
        let trace = context(&[(TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")]);
        assert!(!trace.is_sampled());
        assert!(trace.outbound_traceparent().ends_with("-00"));
    }

    #[test]
    fn a_later_version_may_carry_more_fields() {
        let trace = context(&[(TRACEPARENT, "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-what-ever")]);
        assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let outbound = trace.outbound_traceparent();
        assert!(
            outbound.starts_with("00-") && outbound.ends_with("-01"),
            "version 00, only the sampled bit: {outbound}"
        );
    }

    #[test]
    fn malformed_traceparents_start_a_new_trace() {
        let cases = [
            "",
            "garbage",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        ];
        for bad in cases {
            let trace = context(&[(TRACEPARENT, bad), (TRACESTATE, "vendor=kept")]);
            assert_ne!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736", "{bad:?} was continued");
            assert_eq!(trace.parent_span_id(), None, "{bad:?}");
            assert_eq!(trace.tracestate(), None, "tracestate of a new trace is dropped ({bad:?})");
            assert!(trace.is_sampled());
        }
    }

    #[test]
    fn two_traceparents_are_ambiguous_and_start_a_new_trace() {
        let trace = context(&[(TRACEPARENT, VALID), (TRACEPARENT, VALID)]);
        assert_ne!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    #[test]
    fn new_traces_differ_and_are_well_formed() {
        let (a, b) = (context(&[]), context(&[]));
        assert_ne!(a.trace_id(), b.trace_id());
        assert!(parse_traceparent(&a.outbound_traceparent()).is_some());
    }

    #[test]
    fn a_well_formed_tracestate_is_passed_on() {
        let trace = context(&[(TRACEPARENT, VALID), (TRACESTATE, "rojo=00f067aa0ba902b7, congo@t61rcWkgMzE=x ")]);
        assert_eq!(trace.tracestate(), None, "upper case in a key is invalid");
        let trace = context(&[(TRACEPARENT, VALID), (TRACESTATE, "rojo=00f067aa0ba902b7, congo@t61=t61rcWkgMzE,,")]);
        assert_eq!(trace.tracestate(), Some("rojo=00f067aa0ba902b7,congo@t61=t61rcWkgMzE"));
        let trace = context(&[(TRACEPARENT, VALID), (TRACESTATE, "rojo=1"), (TRACESTATE, "7tenant@vendor=2")]);
        assert_eq!(trace.tracestate(), Some("rojo=1,7tenant@vendor=2"), "headers are combined in order");
    }

    #[test]
    fn a_malformed_tracestate_is_dropped() {
        let too_many = (0..33).map(|i| format!("k{i}=v")).collect::<Vec<_>>().join(",");
        let too_long = format!("k={}", "v".repeat(600));
        for bad in [
            "novalue",
            "=v",
            "k=",
            "k=a,b",
            "k=v=w",
            "Key=v",
            "7simple=v",
            "t@7system=v",
            "k=1,k=2",
            too_many.as_str(),
            too_long.as_str(),
        ] {
            let trace = context(&[(TRACEPARENT, VALID), (TRACESTATE, bad)]);
            assert_eq!(trace.tracestate(), None, "{bad:?}");
            assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736", "a bad tracestate keeps the trace");
        }
    }

    #[test]
    fn without_entropy_ids_are_still_valid() {
        struct NoEntropy;
        impl Random for NoEntropy {
            fn fill(&self, _: &mut [u8]) -> Result<(), ports::PortError> {
                Err(ports::PortError::unavailable("no entropy"))
            }
        }
        let trace = TraceContext::continue_or_start(&HeaderMap::new(), &NoEntropy);
        assert!(parse_traceparent(&trace.outbound_traceparent()).is_some());
    }
}
