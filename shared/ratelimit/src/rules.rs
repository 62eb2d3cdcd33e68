//! Rate-limit rules: configuration and matching.
//!
//! `rate_limit_rules` is a JSON array; each rule:
//!
//! ```json
//! {"name": "login", "methods": ["POST"], "routes": ["/v1/auth/token"], "key": ["ip"],
//!  "algorithm": "sliding_window", "limit": 20, "window_seconds": 60,
//!  "store": "exact", "on_store_failure": "closed", "allow": ["ip:10.0.0.1"]}
//! ```
//!
//! - `methods`, `routes` (route templates), `route_prefixes`: what it covers (absent = all);
//!   `except_routes`: route templates it never covers.
//! - `key`: any of `ip`, `user` (an API key counts as its owner), `api_key`, `route`, combined. A
//!   rule applies only when at least one of `ip`/`user`/`api_key` it names is known (a
//!   user-keyed rule skips anonymous calls); `route` only narrows one of them.
//! - `algorithm`: `token_bucket` (burst up to `limit`, refilling `limit` per window) or
//!   `sliding_window` (at most `limit` per rolling window).
//! - `store`: `exact` (Durable Object / SQL) or `approximate` (KV, see [`crate::approximate`]).
//! - `on_store_failure`: `closed` (refuse with 503) or `open` (admit and log), when the store
//!   fails or does not answer within `store_timeout_ms` (default 1000, at most 30000).
//! - `allow`: key components (`ip:…`, `user:…`, `api_key:…`) exempt from the rule.

use std::time::Duration;

use http::Method;
use ports::counters::{Algorithm, LimitSpec};
use serde::Deserialize;

/// What to do when the counter store fails or times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Refuse with 503 + Retry-After.
    Closed,
    /// Admit, and log the failure.
    Open,
}

/// Where the counts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// Durable Object / SQL: exact under any concurrency.
    Exact,
    /// KV with per-instance accumulation: cheap, may over-admit (documented bound).
    Approximate,
}

/// A key component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPart {
    /// The client's IP address.
    Ip,
    /// The verified user id of an access token.
    User,
    /// The public prefix of an API key.
    ApiKey,
    /// The route template.
    Route,
}

impl KeyPart {
    /// Whether this part comes from the caller's credential (user or API key).
    pub fn is_identity(self) -> bool {
        matches!(self, KeyPart::User | KeyPart::ApiKey)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AlgorithmName {
    TokenBucket,
    SlidingWindow,
}

/// One rule, as configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleConfig {
    name: String,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    routes: Vec<String>,
    #[serde(default)]
    route_prefixes: Vec<String>,
    #[serde(default)]
    except_routes: Vec<String>,
    key: Vec<KeyPart>,
    algorithm: AlgorithmName,
    limit: i64,
    window_seconds: i64,
    store: Store,
    on_store_failure: FailurePolicy,
    #[serde(default = "default_store_timeout_ms")]
    store_timeout_ms: u64,
    #[serde(default)]
    allow: Vec<String>,
}

fn default_store_timeout_ms() -> u64 {
    1000
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its name (appears in headers and logs).
    pub name: String,
    methods: Vec<Method>,
    routes: Vec<String>,
    route_prefixes: Vec<String>,
    except_routes: Vec<String>,
    /// Key components.
    pub key: Vec<KeyPart>,
    /// The limit.
    pub spec: LimitSpec,
    /// Exact or approximate.
    pub store: Store,
    /// Failure policy.
    pub on_store_failure: FailurePolicy,
    /// How long the store may take before it counts as failed.
    pub store_timeout: Duration,
    /// Exempt key components.
    pub allow: Vec<String>,
}

impl Rule {
    /// Whether the rule covers `method` on `route`.
    pub fn covers(&self, method: &Method, route: &str) -> bool {
        let method_ok = self.methods.is_empty()
            || self.methods.contains(method)
            || (method == Method::HEAD && self.methods.contains(&Method::GET));
        let route_ok = (self.routes.is_empty() && self.route_prefixes.is_empty())
            || self.routes.iter().any(|r| r == route)
            || self.route_prefixes.iter().any(|p| route.starts_with(p.as_str()));
        method_ok && route_ok && !self.except_routes.iter().any(|r| r == route)
    }
}

/// The defaults when `rate_limit_rules` is not set: strict on sign-in and registration, a
/// per-caller budget for writes, and a cheap per-IP budget for everything but the liveness
/// probe (which touches nothing, and must not be refused to a load balancer).
pub const DEFAULT_RULES: &str = r#"[
  {"name": "token", "methods": ["POST"], "routes": ["/v1/auth/token", "/v1/auth/mfa/verify"], "key": ["ip"],
   "algorithm": "sliding_window", "limit": 30, "window_seconds": 60, "store": "exact", "on_store_failure": "closed"},
  {"name": "register", "methods": ["POST"], "routes": ["/v1/auth/register"], "key": ["ip"],
   "algorithm": "sliding_window", "limit": 10, "window_seconds": 3600, "store": "exact", "on_store_failure": "closed"},
  {"name": "writes", "methods": ["POST", "PUT", "PATCH", "DELETE"], "key": ["user"],
   "algorithm": "token_bucket", "limit": 120, "window_seconds": 60, "store": "exact", "on_store_failure": "open"},
  {"name": "comments", "methods": ["POST"], "routes": ["/v1/articles/{id}/comments", "/v2/articles/{id}/comments"],
   "key": ["user"], "algorithm": "token_bucket", "limit": 10, "window_seconds": 60, "store": "exact",
   "on_store_failure": "open"},
  {"name": "all", "except_routes": ["/health"], "key": ["ip"],
   "algorithm": "token_bucket", "limit": 1200, "window_seconds": 60, "store": "approximate", "on_store_failure": "open"}
]"#;

/// Parses and validates rules (JSON). Errors name the rule.
pub fn parse(json: &str) -> Result<Vec<Rule>, String> {
    let configs: Vec<RuleConfig> = serde_json::from_str(json).map_err(|e| format!("rate_limit_rules: {e}"))?;
    let mut rules = Vec::with_capacity(configs.len());
    for config in configs {
        let name = config.name.clone();
        let fail = |what: &str| format!("rate limit rule `{name}`: {what}");
        let valid_name = !name.is_empty()
            && name.len() <= 32
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name {
            return Err(fail("names are 1-32 of A-Z a-z 0-9 - _"));
        }
        if !(1..=1_000_000).contains(&config.limit) || !(1..=86_400).contains(&config.window_seconds) {
            return Err(fail("limit must be 1-1000000 and window_seconds 1-86400"));
        }
        // A rule applies only to callers with a known IP, user or API key (see `key` above).
        if !config.key.iter().any(|part| *part == KeyPart::Ip || part.is_identity()) {
            return Err(fail("key needs ip, user or api_key (route alone never applies)"));
        }
        if !(1..=30_000).contains(&config.store_timeout_ms) {
            return Err(fail("store_timeout_ms must be 1-30000"));
        }
        let methods = config
            .methods
            .iter()
            .map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|_| fail("unknown method"))?;
        rules.push(Rule {
            methods,
            routes: config.routes,
            route_prefixes: config.route_prefixes,
            except_routes: config.except_routes,
            key: config.key,
            spec: LimitSpec {
                algorithm: match config.algorithm {
                    AlgorithmName::TokenBucket => Algorithm::TokenBucket,
                    AlgorithmName::SlidingWindow => Algorithm::SlidingWindow,
                },
                limit: config.limit,
                window_ms: config.window_seconds * 1000,
            },
            store: config.store,
            on_store_failure: config.on_store_failure,
            store_timeout: Duration::from_millis(config.store_timeout_ms),
            allow: config.allow,
            name,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_cover_what_they_say() {
        let rules = parse(DEFAULT_RULES).unwrap();
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["token", "register", "writes", "comments", "all"]);
        assert!(rules[0].covers(&Method::POST, "/v1/auth/token"));
        assert!(!rules[0].covers(&Method::GET, "/v1/auth/token"));
        assert!(rules[2].covers(&Method::PATCH, "/v1/orders/{id}"));
        assert!(!rules[2].covers(&Method::GET, "/v1/orders/{id}"));
        assert!(rules[3].covers(&Method::POST, "/v2/articles/{id}/comments"));
        assert!(!rules[3].covers(&Method::GET, "/v2/articles/{id}/comments"));
        assert!(rules[4].covers(&Method::HEAD, "/ready"));
        assert!(!rules[4].covers(&Method::GET, "/health"), "the liveness probe is never limited");
    }

    #[test]
    fn bad_rules_are_refused_with_their_name() {
        for bad in [
            r#"[{"name": "x", "key": ["ip"], "algorithm": "leaky", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open"}]"#,
            r#"[{"name": "x", "key": [], "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open"}]"#,
            r#"[{"name": "x", "key": ["route"], "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open"}]"#,
            r#"[{"name": "x", "key": ["ip"], "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open", "store_timeout_ms": 0}]"#,
            r#"[{"name": "x", "key": ["ip"], "algorithm": "token_bucket", "limit": 0, "window_seconds": 1, "store": "exact", "on_store_failure": "open"}]"#,
            r#"[{"name": "bad name!", "key": ["ip"], "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open"}]"#,
            r#"[{"name": "x", "key": ["ip"], "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open", "colour": 1}]"#,
            "not json",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
