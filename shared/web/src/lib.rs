//! The HTTP core every function shares.
//!
//! A function crate describes its routes as a [`Router`] of async handlers written against
//! [`Request`] and the [`ports`]. An adapter turns the runtime's request into an
//! [`http::Request`] and calls [`App::handle`], which runs the one pipeline every route gets:
//!
//! request id and trace context → routing (404/405) → CORS → body limit (413) → handler → problem rendering →
//! CORS/security/request-id headers → one JSON access-log line.
//!
//! Every error leaves as RFC 9457 `application/problem+json` ([`Problem`]).

mod app;
mod body;
mod handler;
mod head;
mod layer;
mod middleware;
mod panic;
mod problem;
mod request;
mod response;
mod response_body;
mod router;
mod settings;
pub mod static_files;
pub mod trace_context;
pub mod upgrade;

pub use app::App;
pub use body::{BodyError, IncomingBody, append_within_limit};
pub use handler::Handler;
pub use head::{MalformedRequest, request_head};
pub use layer::{Layer, Next};
pub use middleware::security_headers;
pub use problem::{PROBLEM_CONTENT_TYPE, Problem};
pub use request::{ClientIp, Request};
pub use response::{IntoResponse, Json, Response, empty_response, json_response};
pub use response_body::{Body, BodyStream};
pub use router::{MethodRouter, ProblemRenderer, Router, delete, get, patch, post, put};
pub use settings::HttpSettings;
pub use trace_context::TraceContext;

/// Re-exported so function crates use the same `http` version as the core.
/// A boxed unit of domain work in progress, for the entry points several faces await.
///
/// Domain functions awaited from several crates (REST, RPC, GraphQL) return this from an
/// `#[inline(never)]` function rather than being `async fn`s: an `async fn`'s state machine is
/// compiled into every caller's, so the Worker, which links every face, carried one copy of
/// the whole function per calling crate.
pub type Pending<'a, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, Problem>> + 'a>>;

pub use http;
/// Re-exported so function crates name ports through one path.
pub use ports;
