//! The rate-limit layer.

use std::cell::RefCell;
use std::rc::Rc;

use async_trait::async_trait;
use http::{HeaderValue, StatusCode, header};
use ports::counters::Decision;
use ports::log::Level;
use ports::timer::within;
use web::{Layer, Next, Problem, Request, Response};

use crate::approximate;
use crate::caller::{Caller, CredentialResolver};
use crate::headers::{self, seconds};
use crate::rules::{self, FailurePolicy, Rule, Store};

/// Applies the configured rules around every handler.
pub struct RateLimitLayer {
    rules: RefCell<Option<Rc<Vec<Rule>>>>,
    credentials: Box<dyn CredentialResolver>,
}

impl RateLimitLayer {
    /// A layer reading its rules from `rate_limit_rules` (or the defaults) on first use, and
    /// learning who presented a credential from `credentials`.
    pub fn new(credentials: impl CredentialResolver + 'static) -> Self {
        Self { rules: RefCell::new(None), credentials: Box::new(credentials) }
    }

    async fn rules(&self, request: &Request) -> Result<Rc<Vec<Rule>>, Problem> {
        if let Some(rules) = self.rules.borrow().as_ref() {
            return Ok(Rc::clone(rules));
        }
        let configured = request.platform().config.var("rate_limit_rules").await?;
        let json = configured.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or(rules::DEFAULT_RULES);
        let parsed = Rc::new(rules::parse(json).map_err(Problem::internal)?);
        *self.rules.borrow_mut() = Some(Rc::clone(&parsed));
        Ok(parsed)
    }
}

#[async_trait(?Send)]
impl Layer for RateLimitLayer {
    async fn call(&self, request: Request, next: Next<'_>) -> Result<Response, Problem> {
        let rules = self.rules(&request).await?;
        let covering: Vec<&Rule> = rules.iter().filter(|r| r.covers(request.method(), request.route())).collect();
        if covering.is_empty() {
            return next.run(request).await;
        }
        // Resolving a credential may cost a signature check or a SQL read: only when a rule
        // keys on who the caller is.
        let by_identity = covering.iter().any(|rule| rule.key.iter().any(|part| part.is_identity()));
        let credentials: &dyn CredentialResolver =
            if by_identity { &*self.credentials } else { &crate::caller::IgnoredCredentials };
        let caller = Caller::of(&request, credentials).await;
        let platform = request.platform();
        let now = platform.clock.now_millis();
        let mut applied: Vec<(&Rule, Decision)> = Vec::new();
        for rule in covering {
            let Some(key) = caller.key(rule) else { continue };
            let acquire = async {
                match rule.store {
                    Store::Exact => platform.counters.acquire(&key, &rule.spec, now).await,
                    Store::Approximate => approximate::acquire(platform, &key, &rule.spec, now).await,
                }
            };
            let decision = within(&*platform.timer, rule.store_timeout, "rate limit store", acquire).await;
            match decision {
                Ok(decision) => applied.push((rule, decision)),
                Err(error) => {
                    log_failure(&request, rule, &error);
                    if rule.on_store_failure == FailurePolicy::Closed {
                        return Err(Problem::service_unavailable(format!(
                            "rate limit store for `{}`: {error}",
                            rule.name
                        ))
                        .with_extension("rate_limit_rule", rule.name.as_str()));
                    }
                }
            }
        }
        if let Some((rule, refused)) = applied.iter().filter(|(_, d)| !d.allowed).max_by_key(|(_, d)| d.retry_after_ms)
        {
            let retry_after = seconds(refused.retry_after_ms).max(1);
            let mut problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests")
                .with_detail(format!("Rate limit `{}` reached; retry in {retry_after} s.", rule.name))
                .with_extension("rate_limit_rule", rule.name.as_str())
                .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after));
            let mut extra = http::HeaderMap::new();
            headers::add(&mut extra, &applied);
            for (name, value) in &extra {
                problem = problem.with_header(name.clone(), value.clone());
            }
            return Err(problem);
        }
        let mut extra = http::HeaderMap::new();
        headers::add(&mut extra, &applied);
        match next.run(request).await {
            Ok(mut response) => {
                response.headers_mut().extend(extra);
                Ok(response)
            }
            Err(mut problem) => {
                for (name, value) in &extra {
                    problem = problem.with_header(name.clone(), value.clone());
                }
                Err(problem)
            }
        }
    }
}

/// Store failures are never silent: one warning line per failure.
fn log_failure(request: &Request, rule: &Rule, error: &ports::PortError) {
    let line = serde_json::json!({
        "level": "warn",
        "msg": "rate_limit_store_failure",
        "request_id": request.request_id(),
        "rule": rule.name,
        "policy": if rule.on_store_failure == FailurePolicy::Closed { "closed" } else { "open" },
        "error": error.to_string(),
    });
    request.platform().log.emit(Level::Warn, &line.to_string());
}
