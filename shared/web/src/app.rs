//! The request pipeline every route runs through.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header, request::Parts};
use ports::{Platform, PortErrorKind};

use crate::middleware::correlation::Correlation;
use crate::middleware::telemetry::Finished;
use crate::middleware::{access_log, cors, request_id, security_headers, server_timing, telemetry, trace_scope};
use crate::panic::CatchUnwind;
use crate::router::method_not_allowed;
use crate::{
    Body, BodyError, HttpSettings, IncomingBody, Layer, MalformedRequest, Next, Problem, ProblemRenderer, Request,
    Response, Router,
};

/// A router plus the shared pipeline. Build one per instance and call [`App::handle`] for
/// every request.
pub struct App {
    router: Router,
    layers: Vec<Rc<dyn Layer>>,
    settings: RefCell<Option<Rc<InstanceSettings>>>,
}

/// What an instance loads from configuration once.
#[derive(Default)]
struct InstanceSettings {
    http: HttpSettings,
    /// The OpenTelemetry exporter, when an OTLP endpoint is configured.
    exporter: Option<Rc<::telemetry::Exporter>>,
}

/// Where routing got to, and what came of it.
struct Dispatched {
    route: Option<&'static str>,
    outcome: Result<Response, Problem>,
    /// The route's own error renderer and the request headers it reads, when it has one.
    renderer: Option<(ProblemRenderer, http::HeaderMap)>,
}

impl App {
    /// Wraps `router` in the pipeline.
    pub fn new(router: Router) -> Self {
        Self { router, layers: Vec::new(), settings: RefCell::new(None) }
    }

    /// Adds a layer around every handler (outermost first).
    pub fn layer(mut self, layer: impl Layer + 'static) -> Self {
        self.layers.push(Rc::new(layer));
        self
    }

    /// The routes served.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Serves one request. Never fails: every error becomes a problem+json response.
    pub async fn handle<B: IncomingBody>(&self, request: http::Request<B>, platform: Platform) -> Response {
        let started = platform.clock.now_millis();
        let (head, body) = request.into_parts();
        let mut ids = Correlation::of(&head.headers, &*platform.random);
        let method = head.method.clone();
        let path = head.uri.path().to_owned();
        let origin = head.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);

        let settings = self.settings(&platform).await;
        let (server_timing, exporter) = match &settings {
            Ok(loaded) => (loaded.http.server_timing, loaded.exporter.as_ref()),
            Err(_) => (false, None),
        };
        let (platform, observation) = telemetry::begin(platform, &mut ids.trace, server_timing, exporter);
        let platform = trace_scope::scoped(platform, &ids.trace);
        let Dispatched { route, outcome, renderer } = match &settings {
            Ok(loaded) => self.dispatch(head, body, &loaded.http, &platform, &ids).await,
            Err(problem) => Dispatched { route: None, outcome: Err(problem.clone()), renderer: None },
        };
        let settings = settings.unwrap_or_default();
        let settings = &settings.http;

        let (mut response, problem) = match outcome {
            Ok(response) => (response, None),
            Err(problem) => {
                let response = match &renderer {
                    Some((render, request_headers)) => render(&problem, request_headers),
                    None => problem.to_response(&path, &ids.request_id, &ids.trace),
                };
                (response, Some(problem))
            }
        };
        if method == Method::HEAD {
            *response.body_mut() = Body::empty();
        }
        let headers = response.headers_mut();
        if let (Some(policy), Some(_)) = (&settings.deprecation, route) {
            policy.apply(&self.router, &path, headers);
        }
        settings.cors.apply(origin.as_deref(), headers);
        security_headers::apply(headers);
        if let Ok(value) = HeaderValue::from_str(&ids.request_id) {
            headers.insert(request_id::HEADER, value);
        }
        if let Some(timings) = observation.telemetry.as_ref().and_then(|t| t.timings()) {
            let total = platform.clock.now_millis().saturating_sub(started);
            if let Ok(value) = HeaderValue::from_str(&timings.header_value(total)) {
                headers.insert(server_timing::HEADER, value);
            }
        }

        access_log::emit(
            &*platform.log,
            &access_log::AccessRecord {
                ts_ms: started,
                msg: "request",
                request_id: &ids.request_id,
                method: method.as_str(),
                route,
                status: response.status().as_u16(),
                latency_ms: platform.clock.now_millis().saturating_sub(started),
                error_code: problem.as_ref().map(Problem::code),
                cause: problem.as_ref().and_then(Problem::cause),
            },
        );
        observation.finish(
            &ids.trace,
            &Finished {
                method: method.as_str(),
                route,
                path: &path,
                status: response.status().as_u16(),
                error_code: problem.as_ref().map(Problem::code),
                request_id: &ids.request_id,
                started_ms: started,
                ended_ms: platform.clock.now_millis(),
                response_headers: response.headers(),
            },
        );
        response
    }

    /// The instance's settings, loaded on first use. A load failure is not cached, so fixing
    /// the configuration heals the instance.
    async fn settings(&self, platform: &Platform) -> Result<Rc<InstanceSettings>, Problem> {
        if let Some(settings) = self.settings.borrow().as_ref() {
            return Ok(Rc::clone(settings));
        }
        let invalid = |what: &str| {
            let what = what.to_owned();
            move |e: ports::PortError| match e.kind {
                // The configuration provider is down: the client may retry (503).
                PortErrorKind::Unavailable => Problem::from(e),
                _ => Problem::internal(format!("invalid {what} settings: {e}")),
            }
        };
        let http = HttpSettings::load(&*platform.config).await.map_err(invalid("HTTP"))?;
        let exporter = ::telemetry::TelemetrySettings::load(&*platform.config)
            .await
            .map_err(invalid("telemetry"))?
            .map(|settings| {
                let instance_id = ports::random::random_array::<16>(&*platform.random)
                    .map(|bytes| crate::trace_context::hex(&bytes))
                    .unwrap_or_else(|_| "unknown".into());
                Rc::new(::telemetry::Exporter::new(settings, instance_id, platform.clock.now_millis()))
            });
        let loaded = Rc::new(InstanceSettings { http, exporter });
        *self.settings.borrow_mut() = Some(Rc::clone(&loaded));
        Ok(loaded)
    }

    async fn dispatch<B: IncomingBody>(
        &self,
        head: Parts,
        body: B,
        settings: &HttpSettings,
        platform: &Platform,
        ids: &Correlation,
    ) -> Dispatched {
        let Some(matched) = self.router.find(head.uri.path()) else {
            return Dispatched { route: None, outcome: Err(Problem::not_found()), renderer: None };
        };
        let route = Some(matched.template);
        let renderer = matched.methods.problem_renderer().map(|render| (render, head.headers.clone()));
        let done = |outcome| Dispatched { route, outcome, renderer };
        // A head the adapter could only build in part is refused before anything reads it.
        if let Some(defect) = head.extensions.get::<MalformedRequest>() {
            return done(Err(Problem::bad_request("malformed_request", defect.detail.clone())));
        }

        if cors::is_preflight(&head.method, &head.headers) {
            return done(settings.cors.preflight(&head.headers, matched.methods).map(no_content));
        }
        if head.method == Method::OPTIONS {
            let mut allow = http::HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&matched.methods.allow()) {
                allow.insert(header::ALLOW, value);
            }
            return done(Ok(no_content(allow)));
        }
        // An oversized declared body is refused before anything else looks at the request.
        if let Err(problem) = check_declared_length(&head, settings.max_body_bytes) {
            return done(Err(problem));
        }
        let Some(handler) = matched.methods.handler_for(&head.method) else {
            return done(Err(method_not_allowed(matched.methods)));
        };
        let body = match read_body(body, settings.max_body_bytes).await {
            Ok(body) => body,
            Err(problem) => return done(Err(problem)),
        };
        let request = Request::new(head, body, matched.params, matched.template, ids.clone(), platform.clone());
        let chain = Next::new(&self.layers, handler).run(request);
        let outcome = CatchUnwind::new(chain).await.unwrap_or_else(|panic| Err(Problem::internal(panic)));
        done(outcome)
    }
}

/// Refuses a `Content-Length` over `limit` (413) or one that is not a number (400).
fn check_declared_length(head: &Parts, limit: usize) -> Result<(), Problem> {
    let Some(declared) = head.headers.get(header::CONTENT_LENGTH) else { return Ok(()) };
    let length: u64 = declared
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Problem::bad_request("invalid_content_length", "Content-Length is not a number."))?;
    if length > limit as u64 { Err(Problem::payload_too_large(limit)) } else { Ok(()) }
}

/// Reads the body, stopping with 413 as soon as it exceeds `limit` (chunked bodies declare no length).
async fn read_body<B: IncomingBody>(body: B, limit: usize) -> Result<Bytes, Problem> {
    body.read_to_end(limit).await.map_err(|error| match error {
        BodyError::TooLarge => Problem::payload_too_large(limit),
        BodyError::Unreadable(cause) => {
            Problem::bad_request("body_unreadable", "The request body could not be read.").with_cause(cause)
        }
    })
}

fn no_content(headers: http::HeaderMap) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    *response.headers_mut() = headers;
    response
}
