//! The instance's metrics: cumulative since the instance started, exported on every flush.
//!
//! | name | kind | attributes |
//! |---|---|---|
//! | `http.server.request.duration` (s) | histogram | `http.request.method`, `http.route`, `http.response.status_code`, `error.type` (5xx) |
//! | `orderflow.port.call.duration` (s) | histogram | `orderflow.port`, `db.operation.name`, `error.type` |
//! | `orderflow.rate_limit.decisions` | counter | `orderflow.rate_limit.policy`, `orderflow.rate_limit.outcome` (`admitted`/`refused`) |
//! | `orderflow.cache.lookups` | counter | `orderflow.kv.prefix`, `orderflow.cache.hit` |
//!
//! Each instrument keeps at most [`MAX_SERIES`] attribute sets; later ones are counted in one
//! series marked `otel.metric.overflow = true`, as the OpenTelemetry specification does.

use std::collections::BTreeMap;

use crate::span::{AttrValue, Attribute};
use crate::{PortCall, PortKind};

/// Most attribute sets one instrument keeps.
pub const MAX_SERIES: usize = 256;

/// Histogram bucket bounds in milliseconds (the semantic conventions' advice for HTTP
/// durations, which are given in seconds).
pub const BOUNDS_MS: [i64; 14] = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/// Counts and sums of durations in [`BOUNDS_MS`] buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Samples.
    pub count: u64,
    /// Their sum, milliseconds.
    pub sum_ms: i64,
    /// Samples per bucket: `(-inf, 5]`, `(5, 10]`, ..., `(10000, +inf)`.
    pub buckets: [u64; BOUNDS_MS.len() + 1],
}

impl Histogram {
    fn add(&mut self, millis: i64) {
        let millis = millis.max(0);
        self.count += 1;
        self.sum_ms = self.sum_ms.saturating_add(millis);
        let bucket = BOUNDS_MS.iter().position(|bound| millis <= *bound).unwrap_or(BOUNDS_MS.len());
        self.buckets[bucket] += 1;
    }
}

/// One instrument's series, by attribute set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series<T> {
    /// Values by attribute set (sorted, so the export is deterministic).
    pub by_attributes: BTreeMap<Vec<Attribute>, T>,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Self { by_attributes: BTreeMap::new() }
    }
}

impl<T: Default> Series<T> {
    fn entry(&mut self, attributes: Vec<Attribute>) -> &mut T {
        let attributes = if self.by_attributes.len() >= MAX_SERIES && !self.by_attributes.contains_key(&attributes) {
            vec![Attribute::bool("otel.metric.overflow", true)]
        } else {
            attributes
        };
        self.by_attributes.entry(attributes).or_default()
    }
}

/// Every instrument's values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// `http.server.request.duration`.
    pub requests: Series<Histogram>,
    /// `orderflow.port.call.duration`.
    pub port_calls: Series<Histogram>,
    /// `orderflow.rate_limit.decisions`.
    pub rate_limit: Series<u64>,
    /// `orderflow.cache.lookups`.
    pub cache_lookups: Series<u64>,
}

impl Metrics {
    /// Counts one served request.
    pub fn record_request(
        &mut self,
        method: &str,
        route: Option<&str>,
        status: u16,
        error_type: Option<&str>,
        millis: i64,
    ) {
        let mut attributes = vec![
            Attribute::str("http.request.method", method),
            Attribute::int("http.response.status_code", i64::from(status)),
        ];
        // Unrouted paths are not a route: leaving the attribute out keeps cardinality bounded.
        if let Some(route) = route {
            attributes.push(Attribute::str("http.route", route));
        }
        if let Some(error_type) = error_type.filter(|_| status >= 500) {
            attributes.push(Attribute::str("error.type", error_type));
        }
        attributes.sort_unstable();
        self.requests.entry(attributes).add(millis);
    }

    /// Counts one rate-limit decision by `policy`.
    pub fn record_rate_limit(&mut self, policy: &str, refused: bool) {
        let outcome = if refused { "refused" } else { "admitted" };
        let attributes = vec![
            Attribute::str("orderflow.rate_limit.outcome", outcome),
            Attribute::str("orderflow.rate_limit.policy", policy),
        ];
        *self.rate_limit.entry(attributes) += 1;
    }

    /// Counts one port call (and, for a key-value read, a cache lookup).
    pub fn record_port_call(&mut self, call: &PortCall) {
        let operation = attribute(&call.attributes, "db.operation.name").unwrap_or(AttrValue::Str(String::new()));
        let mut attributes = vec![
            Attribute { key: "db.operation.name", value: operation },
            Attribute::str("orderflow.port", call.kind.name()),
        ];
        if let Some(error) = call.error {
            attributes.push(Attribute::str("error.type", error));
        }
        attributes.sort_unstable();
        self.port_calls.entry(attributes).add(call.end_ms.saturating_sub(call.start_ms));
        if call.kind == PortKind::Kv
            && let Some(hit) = attribute(&call.attributes, "orderflow.cache.hit")
        {
            let prefix = attribute(&call.attributes, "orderflow.kv.prefix").unwrap_or(AttrValue::Str(String::new()));
            let attributes = vec![
                Attribute { key: "orderflow.cache.hit", value: hit },
                Attribute { key: "orderflow.kv.prefix", value: prefix },
            ];
            *self.cache_lookups.entry(attributes) += 1;
        }
    }
}

fn attribute(attributes: &[Attribute], key: &str) -> Option<AttrValue> {
    attributes.iter().find(|a| a.key == key).map(|a| a.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_land_in_their_bucket_and_series_are_capped() {
        let mut metrics = Metrics::default();
        metrics.record_request("GET", Some("/health"), 200, None, 3);
        metrics.record_request("GET", Some("/health"), 200, None, 7);
        metrics.record_request("GET", Some("/health"), 200, None, 20_000);
        let (_, health) = metrics.requests.by_attributes.iter().next().unwrap();
        assert_eq!((health.count, health.sum_ms), (3, 20_010));
        assert_eq!((health.buckets[0], health.buckets[1], health.buckets[14]), (1, 1, 1));
        for i in 0..(MAX_SERIES + 10) {
            metrics.record_rate_limit(&format!("rule-{i}"), false);
        }
        assert_eq!(metrics.rate_limit.by_attributes.len(), MAX_SERIES + 1);
        let overflow = vec![Attribute::bool("otel.metric.overflow", true)];
        assert_eq!(metrics.rate_limit.by_attributes[&overflow], 10);
    }

    #[test]
    fn kv_reads_count_as_cache_lookups() {
        let mut metrics = Metrics::default();
        let call = PortCall {
            kind: PortKind::Kv,
            operation: "kv get".into(),
            start_ms: 10,
            end_ms: 12,
            attributes: vec![
                Attribute::str("db.operation.name", "get"),
                Attribute::str("orderflow.kv.prefix", "cache"),
                Attribute::bool("orderflow.cache.hit", true),
            ],
            error: None,
        };
        metrics.record_port_call(&call);
        assert_eq!(metrics.cache_lookups.by_attributes.values().sum::<u64>(), 1);
        assert_eq!(metrics.port_calls.by_attributes.values().map(|h| h.sum_ms).sum::<i64>(), 2);
    }
}
