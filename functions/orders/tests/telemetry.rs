//! OpenTelemetry end to end through the native adapters: a traced order listing exports its
//! server span and a child span per SQL call over OTLP (decoded here with the official
//! messages), metrics follow, an unsampled trace is not exported, and no attribute carries a
//! secret.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message;
use testkit::{Harness, PASSWORD};
use web::Router;

const COLLECTOR: &str = "https://collector.test";
const COLLECTOR_KEY: &str = "collector-secret-key";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|a| a.key == key).and_then(|a| a.value.as_ref()?.value.as_ref()).map(|v| match v {
        any_value::Value::StringValue(s) => s.clone(),
        any_value::Value::IntValue(i) => i.to_string(),
        any_value::Value::BoolValue(b) => b.to_string(),
        other => format!("{other:?}"),
    })
}

async fn traced_harness() -> Harness {
    let h = Harness::with_router(Router::new().merge(orders::router())).await;
    // Before the first request: an instance reads its settings once.
    h.platform.config.set_var("otel_exporter_otlp_endpoint", COLLECTOR);
    h.platform.config.set_secret("otel_exporter_otlp_headers", &format!("authorization=Bearer%20{COLLECTOR_KEY}"));
    h.platform.config.set_var("otel_metric_export_interval", "0");
    h.platform.http.respond_with(|_| Ok(http::Response::new(Default::default())));
    h
}

/// Every export of one signal (`traces`, `metrics`) sent to the collector, decoded.
fn exports<M: Message + Default>(h: &Harness, signal: &str) -> Vec<M> {
    let bodies = h.platform.http.sent_bodies(&format!("{COLLECTOR}/v1/{signal}"));
    bodies.iter().map(|body| M::decode(body.as_ref()).expect("a valid OTLP export")).collect()
}

fn exported_spans(h: &Harness) -> Vec<Span> {
    exports::<ExportTraceServiceRequest>(h, "traces")
        .into_iter()
        .flat_map(|r| r.resource_spans)
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_traced_request_exports_its_server_span_and_one_child_per_sql_call() {
    let h = traced_harness().await;
    let token = h.user("alice@example.com").await;
    let traceparent = format!("00-{TRACE}-{CALLER_SPAN}-01");
    let bearer = format!("Bearer {token}");
    // A refused query value is traced too, and must not appear in it.
    let (status, _, _) = h.call("GET", "/v2/orders?note=hunter2", &[("authorization", &bearer)], b"").await;
    assert_eq!(status, 400);
    let (status, _, _) = h
        .call("GET", "/v2/orders?status=pending", &[("authorization", &bearer), ("traceparent", &traceparent)], b"")
        .await;
    assert_eq!(status, 200);
    h.platform.background.run_all().await;

    let spans = exported_spans(&h);
    let ours: Vec<&Span> = spans.iter().filter(|s| hex(&s.trace_id) == TRACE).collect();
    let server = ours.iter().find(|s| s.kind == SpanKind::Server as i32).expect("a server span");
    assert_eq!(hex(&server.parent_span_id), CALLER_SPAN, "the caller's span is the parent");
    assert_eq!(server.name, "GET /v2/orders");
    assert_eq!(text(&server.attributes, "http.route").as_deref(), Some("/v2/orders"));
    assert_eq!(text(&server.attributes, "http.response.status_code").as_deref(), Some("200"));
    let children: Vec<_> = ours.iter().filter(|s| s.kind == SpanKind::Client as i32).collect();
    let sql: Vec<_> =
        children.iter().filter(|s| text(&s.attributes, "db.system.name").as_deref() == Some("sqlite")).collect();
    assert!(!sql.is_empty(), "SQL spans: {:?}", children.iter().map(|s| &s.name).collect::<Vec<_>>());
    for span in &children {
        assert_eq!(span.parent_span_id, server.span_id, "{} hangs off the server span", span.name);
        assert!(
            span.start_time_unix_nano >= server.start_time_unix_nano
                && span.end_time_unix_nano <= server.end_time_unix_nano
        );
    }
    assert!(sql.iter().all(|s| text(&s.attributes, "db.query.text").is_some_and(|q| !q.is_empty())));

    // Nothing secret in any attribute of any span exported (the sign-ups and sign-ins too).
    let secrets = [token.as_str(), PASSWORD, "hunter2", COLLECTOR_KEY];
    for span in &spans {
        for attribute in &span.attributes {
            let value = format!("{:?}", attribute.value);
            assert!(
                !secrets.iter().any(|s| value.contains(s)),
                "{} on {} leaks a secret: {value}",
                attribute.key,
                span.name
            );
        }
    }
    // The collector got its credentials on every export.
    assert!(
        h.platform
            .http
            .sent_header("authorization")
            .iter()
            .all(|v| v.as_deref() == Some(&*format!("Bearer {COLLECTOR_KEY}")))
    );

    let metrics = exports::<ExportMetricsServiceRequest>(&h, "metrics");
    let last = metrics.last().expect("metrics exported");
    let names: Vec<_> = last.resource_metrics[0].scope_metrics[0].metrics.iter().map(|m| m.name.as_str()).collect();
    assert!(
        names.contains(&"http.server.request.duration") && names.contains(&"orderflow.port.call.duration"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_unsampled_trace_is_not_exported_but_still_counted() {
    let h = traced_harness().await;
    let token = h.user("bob@example.com").await;
    let bearer = format!("Bearer {token}");
    let unsampled = format!("00-{TRACE}-{CALLER_SPAN}-00");
    let (status, _, _) =
        h.call("GET", "/v2/orders", &[("authorization", &bearer), ("traceparent", &unsampled)], b"").await;
    assert_eq!(status, 200);
    h.platform.background.run_all().await;
    assert!(exported_spans(&h).iter().all(|s| hex(&s.trace_id) != TRACE), "the caller said not sampled");
    assert!(!exports::<ExportMetricsServiceRequest>(&h, "metrics").is_empty());
}
