//! Ports that report every call to a request's [`RequestTelemetry`].

use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderValue;
use ports::counters::{Decision, LimitSpec};
use ports::kv::KeyPage;
use ports::sql::{Statement, StatementResult};
use ports::{Clock, Counters, HttpClient, Kv, Platform, PortError, PortErrorKind, Sql};

use crate::span::Attribute;
use crate::{PortCall, PortKind, RequestTelemetry};

/// `platform` with its SQL, key-value, counter and outbound HTTP ports reporting to `telemetry`.
pub fn instrument(platform: Platform, telemetry: &Rc<RequestTelemetry>) -> Platform {
    let observer = || Observer { clock: Rc::clone(&platform.clock), telemetry: Rc::clone(telemetry) };
    Platform {
        sql: Rc::new(Observed { inner: Rc::clone(&platform.sql), observer: observer() }),
        kv: Rc::new(Observed { inner: Rc::clone(&platform.kv), observer: observer() }),
        counters: Rc::new(Observed { inner: Rc::clone(&platform.counters), observer: observer() }),
        http: Rc::new(Observed { inner: Rc::clone(&platform.http), observer: observer() }),
        ..platform
    }
}

/// Times calls and hands them to the request's telemetry.
struct Observer {
    clock: Rc<dyn Clock>,
    telemetry: Rc<RequestTelemetry>,
}

impl Observer {
    /// Runs `call`; `describe` names the operation and its attributes from the outcome (called
    /// only when spans or metrics want them).
    async fn observe<T>(
        &self,
        kind: PortKind,
        span_id: Option<[u8; 8]>,
        call: impl Future<Output = Result<T, PortError>>,
        describe: impl FnOnce(&Result<T, PortError>) -> (String, Vec<Attribute>),
    ) -> Result<T, PortError> {
        let start_ms = self.clock.now_millis();
        let result = call.await;
        let end_ms = self.clock.now_millis();
        let (operation, attributes) =
            if self.telemetry.wants_details() { describe(&result) } else { Default::default() };
        let error = result.as_ref().err().map(|e| error_type(e.kind));
        self.telemetry.observe(span_id, PortCall { kind, operation, start_ms, end_ms, attributes, error });
        result
    }
}

/// The `error.type` of a port error: its kind, never its message.
fn error_type(kind: PortErrorKind) -> &'static str {
    match kind {
        PortErrorKind::Unavailable => "unavailable",
        PortErrorKind::Constraint => "constraint",
        PortErrorKind::InvalidInput => "invalid_input",
        PortErrorKind::Decode => "decode",
        PortErrorKind::Other => "other",
    }
}

/// A port of type `P` whose calls are observed.
struct Observed<P: ?Sized> {
    inner: Rc<P>,
    observer: Observer,
}

/// `SELECT`, `INSERT`... : the statement's first keyword.
fn sql_operation(sql: &str) -> String {
    sql.split_whitespace().next().unwrap_or("SQL").to_ascii_uppercase()
}

/// Statement text only: values are bound to `?N` placeholders and never appear in it.
fn sql_attributes(query_text: String, operation: &str, batch_size: Option<usize>) -> Vec<Attribute> {
    let mut attributes = vec![
        Attribute::str("db.system.name", "sqlite"),
        Attribute::str("db.operation.name", operation),
        Attribute::str("db.query.text", query_text),
    ];
    if let Some(size) = batch_size {
        attributes.push(Attribute::int("db.operation.batch.size", i64::try_from(size).unwrap_or(i64::MAX)));
    }
    attributes
}

fn describe_batch(statements: &[Statement]) -> (String, Vec<Attribute>) {
    let text = statements.iter().map(|s| s.sql.trim()).collect::<Vec<_>>().join("; ");
    let attributes = sql_attributes(text, "BATCH", Some(statements.len()));
    ("BATCH".into(), attributes)
}

#[async_trait(?Send)]
impl Sql for Observed<dyn Sql> {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.observer
            .observe(PortKind::Db, None, self.inner.run(statement), |_| {
                let operation = sql_operation(&statement.sql);
                let attributes = sql_attributes(statement.sql.trim().to_owned(), &operation, None);
                (operation, attributes)
            })
            .await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.observer.observe(PortKind::Db, None, self.inner.batch(statements), |_| describe_batch(statements)).await
    }

    /// The inner port's own batching (one D1 round trip), observed as one call.
    async fn batch_read(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.observer
            .observe(PortKind::Db, None, self.inner.batch_read(statements), |_| describe_batch(statements))
            .await
    }
}

/// The key's first segment (`cache`, `idem`...): keys themselves may hold ids or digests.
fn key_prefix(key: &str) -> &str {
    key.split([':', '/']).next().unwrap_or_default()
}

fn kv_attributes(operation: &str, key: &str) -> Vec<Attribute> {
    vec![
        Attribute::str("db.system.name", "kv"),
        Attribute::str("db.operation.name", operation),
        Attribute::str("orderflow.kv.prefix", key_prefix(key)),
    ]
}

#[async_trait(?Send)]
impl Kv for Observed<dyn Kv> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.observer
            .observe(PortKind::Kv, None, self.inner.get(key), |result| {
                let mut attributes = kv_attributes("get", key);
                if let Ok(found) = result {
                    attributes.push(Attribute::bool("orderflow.cache.hit", found.is_some()));
                }
                ("kv get".into(), attributes)
            })
            .await
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        self.observer
            .observe(PortKind::Kv, None, self.inner.put(key, value, ttl), |_| {
                ("kv put".into(), kv_attributes("put", key))
            })
            .await
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.observer
            .observe(PortKind::Kv, None, self.inner.delete(key), |_| ("kv delete".into(), kv_attributes("delete", key)))
            .await
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        self.observer
            .observe(PortKind::Kv, None, self.inner.list(prefix, cursor, limit), |_| {
                ("kv list".into(), kv_attributes("list", prefix))
            })
            .await
    }

    fn is_local(&self) -> bool {
        self.inner.is_local()
    }
}

#[async_trait(?Send)]
impl Counters for Observed<dyn Counters> {
    async fn acquire(&self, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
        self.observer
            .observe(PortKind::Counter, None, self.inner.acquire(key, spec, now), |result| {
                let mut attributes = vec![Attribute::str("db.operation.name", "acquire")];
                if let Ok(decision) = result {
                    attributes.push(Attribute::bool("orderflow.rate_limit.allowed", decision.allowed));
                }
                ("counter acquire".into(), attributes)
            })
            .await
    }
}

#[async_trait(?Send)]
impl HttpClient for Observed<dyn HttpClient> {
    async fn send(&self, mut request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        // The callee's parent is this call's span, when spans are recorded.
        let span_id = self.observer.telemetry.trace().map(|trace| trace.next_span_id());
        if let Some(span_id) = span_id {
            reparent_traceparent(request.headers_mut(), span_id);
        }
        let method = request.method().as_str().to_owned();
        let uri = request.uri().clone();
        self.observer
            .observe(PortKind::Http, span_id, self.inner.send(request), |result| {
                let mut attributes = vec![
                    Attribute::str("http.request.method", method.as_str()),
                    Attribute::str("server.address", uri.host().unwrap_or_default()),
                    // Without the query: it may carry credentials or personal data.
                    Attribute::str(
                        "url.full",
                        format!(
                            "{}://{}{}",
                            uri.scheme_str().unwrap_or("https"),
                            uri.authority().map(|a| a.as_str()).unwrap_or_default(),
                            uri.path()
                        ),
                    ),
                ];
                if let Some(port) = uri.port_u16() {
                    attributes.push(Attribute::int("server.port", i64::from(port)));
                }
                if let Ok(response) = result {
                    attributes.push(Attribute::int("http.response.status_code", i64::from(response.status().as_u16())));
                }
                (method, attributes)
            })
            .await
    }
}

/// Points a `traceparent` (`00-<trace>-<parent>-<flags>`) at `span_id`.
fn reparent_traceparent(headers: &mut http::HeaderMap, span_id: [u8; 8]) {
    let Some(current) = headers.get("traceparent").and_then(|v| v.to_str().ok()) else { return };
    if current.len() != 55 || !current.is_char_boundary(36) || !current.is_char_boundary(52) {
        return;
    }
    let mut hex = String::with_capacity(16);
    for byte in span_id {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    let updated = format!("{}{hex}{}", &current[..36], &current[52..]);
    if let Ok(value) = HeaderValue::from_str(&updated) {
        headers.insert("traceparent", value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_is_repointed_at_the_client_span() {
        let mut headers = http::HeaderMap::new();
        headers
            .insert("traceparent", HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        reparent_traceparent(&mut headers, [0xab, 0, 0, 0, 0, 0, 0, 0x01]);
        assert_eq!(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-ab00000000000001-01");
    }

    #[test]
    fn only_the_first_key_segment_is_kept() {
        assert_eq!(key_prefix("cache:products:page:abc"), "cache");
        assert_eq!(key_prefix("idem/secret-digest"), "idem");
        assert_eq!(sql_operation("  select * from t where id = ?1"), "SELECT");
    }
}
