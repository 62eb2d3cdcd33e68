//! Rate limiting, as a [`web::Layer`] every runtime installs around every function.
//!
//! - [`rules`]: which requests a rule covers, what it keys on, its algorithm, store and
//!   failure policy, from the `rate_limit_rules` variable (JSON) or the defaults.
//! - [`caller`]: the key components of a request (client IP, verified user, API key, route),
//!   and the [`CredentialResolver`] each deployment unit picks.
//! - [`approximate`]: a cheap KV-backed counter with per-instance accumulation.
//! - [`layer`]: applies the matching rules, answers `429` with `Retry-After`, and adds
//!   `RateLimit-Policy` / `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers).
//!
//! Exact counters are the [`ports::Counters`] port: a Durable Object per key on Cloudflare,
//! an atomic SQL upsert on Spin and in native tests.

pub mod approximate;
pub mod caller;
pub mod headers;
pub mod layer;
pub mod rules;

pub use caller::{CredentialResolver, IgnoredCredentials, VerifiedCredentials};
pub use layer::RateLimitLayer;
