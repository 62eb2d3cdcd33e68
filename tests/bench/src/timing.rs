//! Where a request's time goes: the `Server-Timing` a Worker answers with when its
//! `SERVER_TIMING` setting is on (milliseconds per kind of port call, and the total), averaged
//! over a few sequential requests. A probe, not a measurement of speed: it runs on its own
//! instance, after the timed runs, so the decorators it needs never touch the figures above.
//!
//! On Workers the clock moves only across I/O, so the durations are time spent waiting on each
//! kind of port (D1, KV, Durable Objects, fetch); CPU time is in the `cpu/req` column above.

use crate::load::{self, Target};

/// Average calls and milliseconds per request, per `Server-Timing` metric.
pub struct Breakdown {
    /// What was probed, e.g. `GET /v2/orders/{id}`.
    pub label: String,
    /// Requests averaged.
    pub requests: usize,
    /// `(metric, calls per request, ms per request)`, in the header's order.
    pub metrics: Vec<(String, f64, f64)>,
}

/// Sends `requests` requests to `target` one at a time and averages their `Server-Timing`.
pub async fn probe(label: &str, target: &Target, requests: usize) -> Result<Breakdown, String> {
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    for _ in 0..requests {
        let answer = load::once(target).await?;
        if answer.status != target.expect {
            return Err(format!("{label}: {} {}", answer.status, String::from_utf8_lossy(&answer.body)));
        }
        let header = answer.headers.get("server-timing").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if header.is_empty() {
            return Err(format!("{label}: no Server-Timing header (is SERVER_TIMING on?)"));
        }
        for (name, calls, millis) in header.split(", ").filter_map(parse_metric) {
            match totals.iter_mut().find(|(n, _, _)| *n == name) {
                Some(entry) => {
                    entry.1 += calls;
                    entry.2 += millis;
                }
                None => totals.push((name, calls, millis)),
            }
        }
    }
    let per_request = |sum: u64| sum as f64 / requests.max(1) as f64;
    let metrics =
        totals.into_iter().map(|(name, calls, millis)| (name, per_request(calls), per_request(millis))).collect();
    Ok(Breakdown { label: label.to_owned(), requests, metrics })
}

/// `name;dur=3;desc="2 calls"` as `(name, calls, ms)`; a metric without `desc` (the total)
/// counts as one call.
fn parse_metric(metric: &str) -> Option<(String, u64, u64)> {
    let mut parts = metric.split(';');
    let name = parts.next()?.trim().to_owned();
    let (mut calls, mut millis) = (1, 0);
    for part in parts {
        if let Some(duration) = part.strip_prefix("dur=") {
            millis = duration.parse().ok()?;
        } else if let Some(desc) = part.strip_prefix("desc=") {
            calls = desc.trim_matches('"').split(' ').next()?.parse().ok()?;
        }
    }
    Some((name, calls, millis))
}

/// Prints each breakdown as one line per metric.
pub fn print(breakdowns: &[Breakdown]) {
    if breakdowns.is_empty() {
        return;
    }
    println!("-- where the time goes (Server-Timing of an instance with SERVER_TIMING on; I/O wait, not CPU) --");
    println!("{:<28} {:<8} {:>10} {:>10}", "request", "metric", "calls/req", "ms/req");
    for breakdown in breakdowns {
        for (name, calls, millis) in &breakdown.metrics {
            println!("{:<28} {:<8} {:>10.1} {:>10.2}", breakdown.label, name, calls, millis);
        }
    }
    println!("(mean over {} sequential requests each)", breakdowns[0].requests);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_pipelines_metrics() {
        assert_eq!(parse_metric(r#"db;dur=3;desc="2 calls""#), Some(("db".into(), 2, 3)));
        assert_eq!(parse_metric("total;dur=12"), Some(("total".into(), 1, 12)));
        assert_eq!(parse_metric("db;dur=x"), None);
    }
}
