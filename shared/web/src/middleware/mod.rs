//! The cross-cutting steps [`App`](crate::App) applies to every request, one per module.

pub(crate) mod access_log;
pub(crate) mod correlation;
pub(crate) mod cors;
pub mod deprecation;
pub(crate) mod request_id;
pub mod security_headers;
pub(crate) mod server_timing;
pub(crate) mod telemetry;
pub(crate) mod trace_scope;
