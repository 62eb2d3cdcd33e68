//! A request's ports, scoped to its trace: every log line written while serving it names the
//! trace and span, and every outbound call carries `traceparent` (and `tracestate`), so
//! handlers and shared crates never pass trace context around themselves.

use std::rc::Rc;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderValue;
use ports::log::Level;
use ports::{HttpClient, LogSink, Platform, PortError};

use crate::trace_context::{TRACEPARENT, TRACESTATE, TraceContext};

/// `platform` with its log and outbound HTTP tied to `trace`.
pub(crate) fn scoped(platform: Platform, trace: &TraceContext) -> Platform {
    let log = Rc::new(TracedLog {
        inner: Rc::clone(&platform.log),
        prefix: format!(r#"{{"trace_id":"{}","span_id":"{}","#, trace.trace_id(), trace.span_id()),
    });
    let http = Rc::new(PropagatingHttp { inner: Rc::clone(&platform.http), trace: trace.clone() });
    Platform { log, http, ..platform }
}

/// Puts `trace_id` and `span_id` first in every JSON object line.
struct TracedLog {
    inner: Rc<dyn LogSink>,
    /// `{"trace_id":"…","span_id":"…",`
    prefix: String,
}

impl LogSink for TracedLog {
    fn emit(&self, level: Level, line: &str) {
        match line.strip_prefix('{') {
            // A line that already names its trace, or is not an object, is written as it is.
            Some(rest) if !line.contains(r#""trace_id":"#) && !rest.trim_start().starts_with('}') => {
                self.inner.emit(level, &format!("{}{rest}", self.prefix));
            }
            _ => self.inner.emit(level, line),
        }
    }
}

/// Adds the trace headers to every outbound request (replacing any the caller set); they are
/// written only when a call is made, which most requests never do.
struct PropagatingHttp {
    inner: Rc<dyn HttpClient>,
    trace: TraceContext,
}

#[async_trait(?Send)]
impl HttpClient for PropagatingHttp {
    async fn send(&self, mut request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        let headers = request.headers_mut();
        headers.remove(TRACESTATE);
        if let Ok(traceparent) = HeaderValue::from_str(&self.trace.outbound_traceparent()) {
            headers.insert(TRACEPARENT, traceparent);
        }
        if let Some(tracestate) = self.trace.tracestate().and_then(|s| HeaderValue::from_str(s).ok()) {
            headers.insert(TRACESTATE, tracestate);
        }
        self.inner.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Lines(RefCell<Vec<String>>);

    impl LogSink for Lines {
        fn emit(&self, _: Level, line: &str) {
            self.0.borrow_mut().push(line.to_owned());
        }
    }

    #[test]
    fn log_lines_name_the_trace_first_once() {
        let lines = Rc::new(Lines(RefCell::new(Vec::new())));
        let log = TracedLog { inner: lines.clone(), prefix: r#"{"trace_id":"t","span_id":"s","#.into() };
        log.emit(Level::Info, r#"{"msg":"request"}"#);
        log.emit(Level::Info, r#"{"trace_id":"other","msg":"x"}"#);
        log.emit(Level::Info, "{}");
        log.emit(Level::Info, "{ }\n");
        log.emit(Level::Info, "not json");
        let lines = lines.0.borrow();
        assert_eq!(lines[0], r#"{"trace_id":"t","span_id":"s","msg":"request"}"#);
        assert_eq!(lines[1], r#"{"trace_id":"other","msg":"x"}"#);
        assert_eq!(lines[2], "{}");
        assert_eq!(lines[3], "{ }\n");
        assert_eq!(lines[4], "not json");
        for line in &lines[..2] {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
