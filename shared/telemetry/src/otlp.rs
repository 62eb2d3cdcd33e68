//! OTLP/HTTP request bodies: the official OpenTelemetry protobuf messages (prost-generated, from
//! the `opentelemetry-proto` crate), encoded from what was recorded.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Histogram as ProtoHistogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span, status};
use prost::Message;

use crate::metrics::{BOUNDS_MS, Histogram, Metrics, Series};
use crate::span::{AttrValue, Attribute, FinishedTrace, SpanKind};

/// The content type of both bodies.
pub const CONTENT_TYPE: &str = "application/x-protobuf";

/// The instrumentation scope name.
const SCOPE: &str = "orderflow.web";

/// Who is reporting: resource attributes of every export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    /// `service.name`.
    pub service_name: String,
    /// `service.instance.id`: this isolate or Spin instance.
    pub instance_id: String,
}

impl Reporter {
    fn resource(&self) -> Resource {
        Resource {
            attributes: vec![
                key_value(&Attribute::str("service.name", self.service_name.as_str())),
                key_value(&Attribute::str("service.instance.id", self.instance_id.as_str())),
                key_value(&Attribute::str("telemetry.sdk.name", "orderflow-telemetry")),
                key_value(&Attribute::str("telemetry.sdk.language", "rust")),
                key_value(&Attribute::str("telemetry.sdk.version", env!("CARGO_PKG_VERSION"))),
            ],
            ..Default::default()
        }
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope { name: SCOPE.into(), version: env!("CARGO_PKG_VERSION").into(), ..Default::default() }
}

fn key_value(attribute: &Attribute) -> KeyValue {
    let value = match &attribute.value {
        AttrValue::Str(text) => any_value::Value::StringValue(text.clone()),
        AttrValue::Int(number) => any_value::Value::IntValue(*number),
        AttrValue::Bool(flag) => any_value::Value::BoolValue(*flag),
    };
    KeyValue { key: attribute.key.into(), value: Some(AnyValue { value: Some(value) }) }
}

fn nanos(millis: i64) -> u64 {
    u64::try_from(millis).unwrap_or(0).saturating_mul(1_000_000)
}

/// An `ExportTraceServiceRequest` holding `traces`.
pub fn traces_body(reporter: &Reporter, traces: &[FinishedTrace]) -> Vec<u8> {
    let spans = traces
        .iter()
        .flat_map(|trace| {
            trace.spans.iter().map(move |record| Span {
                trace_id: trace.trace_id.to_vec(),
                span_id: record.span_id.to_vec(),
                parent_span_id: record.parent_span_id.map(|id| id.to_vec()).unwrap_or_default(),
                trace_state: if record.kind == SpanKind::Server {
                    trace.tracestate.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                name: record.name.clone(),
                kind: match record.kind {
                    SpanKind::Server => span::SpanKind::Server,
                    SpanKind::Client => span::SpanKind::Client,
                } as i32,
                start_time_unix_nano: nanos(record.start_ms),
                end_time_unix_nano: nanos(record.end_ms.max(record.start_ms)),
                attributes: record.attributes.iter().map(key_value).collect(),
                dropped_attributes_count: 0,
                status: Some(match &record.error {
                    Some(code) => Status { code: status::StatusCode::Error as i32, message: code.clone() },
                    None => Status { code: status::StatusCode::Unset as i32, message: String::new() },
                }),
                ..Default::default()
            })
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(reporter.resource()),
            scope_spans: vec![ScopeSpans { scope: Some(scope()), spans, schema_url: String::new() }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

fn histogram_metric(name: &str, description: &str, series: &Series<Histogram>, start: u64, now: u64) -> Metric {
    let data_points = series
        .by_attributes
        .iter()
        .map(|(attributes, histogram)| HistogramDataPoint {
            attributes: attributes.iter().map(key_value).collect(),
            start_time_unix_nano: start,
            time_unix_nano: now,
            count: histogram.count,
            sum: Some(histogram.sum_ms as f64 / 1000.0),
            bucket_counts: histogram.buckets.to_vec(),
            explicit_bounds: BOUNDS_MS.iter().map(|ms| *ms as f64 / 1000.0).collect(),
            ..Default::default()
        })
        .collect();
    Metric {
        name: name.into(),
        description: description.into(),
        unit: "s".into(),
        data: Some(metric::Data::Histogram(ProtoHistogram {
            data_points,
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })),
        ..Default::default()
    }
}

fn counter_metric(name: &str, description: &str, unit: &str, series: &Series<u64>, start: u64, now: u64) -> Metric {
    let data_points = series
        .by_attributes
        .iter()
        .map(|(attributes, count)| NumberDataPoint {
            attributes: attributes.iter().map(key_value).collect(),
            start_time_unix_nano: start,
            time_unix_nano: now,
            value: Some(number_data_point::Value::AsInt(i64::try_from(*count).unwrap_or(i64::MAX))),
            ..Default::default()
        })
        .collect();
    Metric {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        data: Some(metric::Data::Sum(Sum {
            data_points,
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })),
        ..Default::default()
    }
}

/// An `ExportMetricsServiceRequest` with `metrics`, cumulative since `start_ms`.
pub fn metrics_body(reporter: &Reporter, metrics: &Metrics, start_ms: i64, now_ms: i64) -> Vec<u8> {
    let (start, now) = (nanos(start_ms), nanos(now_ms.max(start_ms)));
    let mut instruments = vec![
        histogram_metric(
            "http.server.request.duration",
            "Duration of HTTP server requests.",
            &metrics.requests,
            start,
            now,
        ),
        histogram_metric(
            "orderflow.port.call.duration",
            "Duration of port calls (SQL, key-value, counters, HTTP).",
            &metrics.port_calls,
            start,
            now,
        ),
        counter_metric(
            "orderflow.rate_limit.decisions",
            "Rate-limit decisions by policy and outcome.",
            "{decision}",
            &metrics.rate_limit,
            start,
            now,
        ),
        counter_metric(
            "orderflow.cache.lookups",
            "Key-value reads by key prefix and whether they found a value.",
            "{lookup}",
            &metrics.cache_lookups,
            start,
            now,
        ),
    ];
    instruments.retain(|metric| match &metric.data {
        Some(metric::Data::Histogram(h)) => !h.data_points.is_empty(),
        Some(metric::Data::Sum(s)) => !s.data_points.is_empty(),
        _ => false,
    });
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(reporter.resource()),
            scope_metrics: vec![ScopeMetrics { scope: Some(scope()), metrics: instruments, schema_url: String::new() }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SpanRecord;

    #[test]
    fn traces_round_trip_through_the_official_messages() {
        let trace = FinishedTrace {
            trace_id: [7; 16],
            tracestate: Some("vendor=1".into()),
            spans: vec![SpanRecord {
                span_id: [1; 8],
                parent_span_id: Some([2; 8]),
                name: "GET /health".into(),
                kind: SpanKind::Server,
                start_ms: 1_700_000_000_000,
                end_ms: 1_700_000_000_003,
                attributes: vec![Attribute::int("http.response.status_code", 200)],
                error: None,
            }],
            dropped_spans: 0,
        };
        let reporter = Reporter { service_name: "orderflow".into(), instance_id: "i-1".into() };
        let decoded = ExportTraceServiceRequest::decode(traces_body(&reporter, &[trace]).as_slice()).unwrap();
        let span = &decoded.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!((span.trace_id.as_slice(), span.parent_span_id.as_slice()), (&[7u8; 16][..], &[2u8; 8][..]));
        assert_eq!(span.end_time_unix_nano - span.start_time_unix_nano, 3_000_000);
        assert_eq!(span.kind, span::SpanKind::Server as i32);
        assert_eq!(span.trace_state, "vendor=1");
    }

    #[test]
    fn metrics_are_cumulative_histograms_and_sums() {
        let mut metrics = Metrics::default();
        metrics.record_request("GET", Some("/health"), 200, None, 4);
        metrics.record_rate_limit("all", true);
        let reporter = Reporter { service_name: "orderflow".into(), instance_id: "i-1".into() };
        let decoded =
            ExportMetricsServiceRequest::decode(metrics_body(&reporter, &metrics, 1000, 2000).as_slice()).unwrap();
        let names: Vec<_> =
            decoded.resource_metrics[0].scope_metrics[0].metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["http.server.request.duration", "orderflow.rate_limit.decisions"]);
        let Some(metric::Data::Histogram(histogram)) = &decoded.resource_metrics[0].scope_metrics[0].metrics[0].data
        else {
            panic!("a histogram")
        };
        assert_eq!(histogram.data_points[0].count, 1);
        assert_eq!(histogram.data_points[0].bucket_counts.len(), histogram.data_points[0].explicit_bounds.len() + 1);
    }
}
