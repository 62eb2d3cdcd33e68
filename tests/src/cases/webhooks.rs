//! Webhooks against a real receiver that verifies every delivery with `standardwebhooks`:
//! retries until a failing receiver accepts, the same `webhook-id` throughout, the retry
//! spacing, the breaker opening and probing, dead letters and replay, the SSRF guard.
//!
//! The cases drive delivery through `POST /v2/webhooks/sweep` (what a scheduler calls; the
//! first attempt follows the write by itself), on both runtimes.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, request, send};
use crate::fixtures::{email, json_call, place_order, shopper_and_product};
use crate::hooks::{self, SWEEP_SECRET};

pub const CASES: &[Case] = &[
    (
        "webhooks::a_failing_receiver_gets_the_signed_event_after_retries",
        a_failing_receiver_gets_the_signed_event_after_retries,
    ),
    (
        "webhooks::a_receiver_that_keeps_failing_opens_the_breaker_and_dead_letters",
        a_receiver_that_keeps_failing_opens_the_breaker_and_dead_letters,
    ),
    ("webhooks::ssrf_targets_and_strangers_are_refused", ssrf_targets_and_strangers_are_refused),
    ("webhooks::the_cron_trigger_delivers_what_is_due", the_cron_trigger_delivers_what_is_due),
    ("webhooks::the_first_attempt_follows_the_write", the_first_attempt_follows_the_write),
];

/// Backoff base and cap, breaker cool-down (as `secrets.rs` configures the instances).
const BASE_MS: f64 = 200.0;
const CAP_MS: f64 = 1000.0;
const COOLDOWN: Duration = Duration::from_secs(2);
/// How late an attempt may come after its due time: the sweep cadence plus a busy machine.
const SLACK_S: f64 = 1.5;

/// A customer's endpoint at the receiver, registered for `order.created`.
struct Endpoint {
    /// Its name at the receiver.
    name: String,
    /// Its id in the API.
    id: String,
    /// Its signing secret.
    secret: String,
    /// The owner's access token.
    token: String,
    /// A product the owner can order.
    product: String,
}

/// A fresh endpoint whose first `fail_first` deliveries the receiver refuses.
fn endpoint(target: &Target, tag: &str, fail_first: u32) -> Result<Endpoint, String> {
    let (token, product) = shopper_and_product(target, tag)?;
    let name = email(tag).replace(['@', '.'], "-");
    let body = json!({"url": hooks::url(&name), "event_types": ["order.created"]});
    let (status, created) = json_call(target, Method::POST, "/v2/webhooks", &token, &body)?;
    ensure(status == 201, || format!("register: {status} {created}"))?;
    let secret = created["secret"].as_str().unwrap_or_default().to_owned();
    hooks::configure(&name, &secret, fail_first)?;
    Ok(Endpoint { name, id: created["id"].as_str().unwrap_or_default().to_owned(), secret, token, product })
}

fn sweep(target: &Target) -> Result<Value, String> {
    let response = send(request(Method::POST, &target.base_url, "/v2/webhooks/sweep").bearer_auth(SWEEP_SECRET))?;
    ensure_eq(response.status().as_u16(), 200, "sweep")?;
    response.json().map_err(|e| format!("sweep answer: {e}"))
}

/// Sweeps every 100 ms until `done` holds for the receiver's attempts, or `limit` passes.
fn sweep_until(
    target: &Target,
    name: &str,
    limit: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Result<Vec<Value>, String> {
    let deadline = Instant::now() + limit;
    loop {
        let attempts = hooks::attempts(name)?;
        if done(&attempts) {
            return Ok(attempts);
        }
        ensure(Instant::now() < deadline, || format!("gave up after {limit:?}; received: {attempts:?}"))?;
        sweep(target)?;
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn deliveries(target: &Target, token: &str, endpoint: &str) -> Result<Vec<Value>, String> {
    let response = send(
        request(Method::GET, &target.base_url, &format!("/v2/webhooks/{endpoint}/deliveries")).bearer_auth(token),
    )?;
    ensure_eq(response.status().as_u16(), 200, "deliveries")?;
    let body: Value = response.json().map_err(|e| e.to_string())?;
    Ok(body["items"].as_array().cloned().unwrap_or_default())
}

fn breaker(target: &Target, token: &str) -> Result<String, String> {
    let response = send(request(Method::GET, &target.base_url, "/v2/webhooks").bearer_auth(token))?;
    let body: Value = response.json().map_err(|e| e.to_string())?;
    Ok(body["items"][0]["breaker"].as_str().unwrap_or_default().to_owned())
}

fn a_failing_receiver_gets_the_signed_event_after_retries(target: &Target) -> Outcome {
    let Endpoint { name, id, token, product, .. } = endpoint(target, "hook-retry", 2)?;
    let order = place_order(target, &token, &product)?;
    let attempts = sweep_until(target, &name, Duration::from_secs(20), |a| a.iter().any(|x| x["status"] == 200))?;
    ensure_eq(attempts.len(), 3, "two refusals, then the delivery")?;
    ensure(attempts.iter().all(|a| a["verified"] == true), || format!("every attempt verifies: {attempts:?}"))?;
    let ids: Vec<&Value> = attempts.iter().map(|a| &a["webhook_id"]).collect();
    ensure(ids.iter().all(|i| *i == ids[0]) && ids[0].is_string(), || format!("one webhook-id throughout: {ids:?}"))?;
    ensure_eq(attempts[2]["body"]["type"].as_str(), Some("order.created"), "type")?;
    ensure_eq(attempts[2]["body"]["data"]["id"].as_str(), Some(order.as_str()), "data is the order")?;
    // Full jitter: attempt n+1 comes at most base × 2^(n-1) after attempt n (plus sweep slack).
    for n in 1..attempts.len() {
        let gap =
            attempts[n]["since_first"].as_f64().unwrap_or(0.0) - attempts[n - 1]["since_first"].as_f64().unwrap_or(0.0);
        let ceiling = (BASE_MS * 2f64.powi(i32::try_from(n - 1).unwrap_or(0))).min(CAP_MS) / 1000.0;
        eprintln!(
            "{} webhook retry {n}: {gap:.3} s after the previous attempt (ceiling {ceiling:.1} s)",
            target.runtime
        );
        ensure(gap >= 0.0 && gap <= ceiling + SLACK_S, || format!("retry {n} came {gap:.3} s later"))?;
    }
    let listed = deliveries(target, &token, &id)?;
    ensure_eq(listed[0]["state"].as_str(), Some("delivered"), "delivery state")?;
    ensure_eq(listed[0]["attempts"].as_i64(), Some(3), "attempts recorded")?;
    ensure_eq(listed[0]["id"].as_str(), ids[0].as_str(), "the delivery is the webhook-id")
}

fn a_receiver_that_keeps_failing_opens_the_breaker_and_dead_letters(target: &Target) -> Outcome {
    let Endpoint { name, id, secret, token, product } = endpoint(target, "hook-breaker", 1000)?;
    place_order(target, &token, &product)?;
    sweep_until(target, &name, Duration::from_secs(20), |a| a.len() >= 3)?;
    ensure_eq(breaker(target, &token)?.as_str(), "open", "three failures in a row open the breaker")?;
    // While open, sweeps send nothing (the last attempt is due long before the cool-down ends).
    let opened = Instant::now();
    while opened.elapsed() < COOLDOWN / 2 {
        sweep(target)?;
        std::thread::sleep(Duration::from_millis(100));
    }
    ensure_eq(hooks::attempts(&name)?.len(), 3, "nothing sent while the breaker is open")?;
    // After the cool-down one probe goes out: it fails, the fourth and last attempt.
    let attempts = sweep_until(target, &name, Duration::from_secs(20), |a| a.len() >= 4)?;
    let probe_gap =
        attempts[3]["since_first"].as_f64().unwrap_or(0.0) - attempts[2]["since_first"].as_f64().unwrap_or(0.0);
    eprintln!("{} webhook breaker: probe {probe_gap:.3} s after the third failure (cool-down 2 s)", target.runtime);
    ensure(probe_gap >= COOLDOWN.as_secs_f64() - 0.2, || format!("the probe came {probe_gap:.3} s after opening"))?;
    let listed = deliveries(target, &token, &id)?;
    ensure_eq((listed[0]["state"].as_str(), listed[0]["attempts"].as_i64()), (Some("dead"), Some(4)), "dead letter")?;
    ensure_eq(listed[0]["last_status"].as_i64(), Some(500), "last status")?;

    // Fixed receiver, replay: delivered with the same id; the breaker closes.
    let delivery = listed[0]["id"].as_str().unwrap_or_default().to_owned();
    hooks::configure(&name, &secret, 0)?;
    let response = send(
        request(Method::POST, &target.base_url, &format!("/v2/webhooks/{id}/deliveries/{delivery}/replay"))
            .bearer_auth(&token),
    )?;
    ensure_eq(response.status().as_u16(), 202, "replay")?;
    let attempts = sweep_until(target, &name, Duration::from_secs(20), |a| a.iter().any(|x| x["status"] == 200))?;
    ensure_eq(attempts.last().and_then(|a| a["webhook_id"].as_str()), Some(delivery.as_str()), "replayed id")?;
    ensure_eq(breaker(target, &token)?.as_str(), "closed", "a delivered probe closes the breaker")
}

fn ssrf_targets_and_strangers_are_refused(target: &Target) -> Outcome {
    let (token, _) = shopper_and_product(target, "hook-ssrf")?;
    for url in [
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/x",
        "http://hooks.example.com/x",
        "https://localhost/x",
    ] {
        let response = send(
            request(Method::POST, &target.base_url, "/v2/webhooks")
                .bearer_auth(&token)
                .json(&json!({"url": url, "event_types": ["*"]})),
        )?;
        expect_problem(response, 422, "invalid_webhook")?;
    }
    expect_problem(send(request(Method::GET, &target.base_url, "/v2/webhooks"))?, 401, "unauthenticated")?;
    let wrong = request(Method::POST, &target.base_url, "/v2/webhooks/sweep").bearer_auth("not the secret");
    expect_problem(send(wrong)?, 401, "invalid_token")?;
    Ok(())
}

/// The Worker's Cron Trigger (`wrangler dev --test-scheduled` fires it on `/__scheduled`)
/// runs the same sweep: a delivery whose first attempt failed goes out without a sweep call.
/// (In a full run other cases' writes also start delivery runs; run alone, with
/// `cargo run -p contract -- cron`, only the Cron Trigger can deliver it.)
fn the_cron_trigger_delivers_what_is_due(target: &Target) -> Outcome {
    let Endpoint { name, token, product, .. } = endpoint(target, "hook-cron", 1)?;
    place_order(target, &token, &product)?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempts = hooks::attempts(&name)?;
        if attempts.iter().any(|a| a["status"] == 200) {
            return ensure_eq(attempts.len(), 2, "the failed first attempt, then the cron's");
        }
        ensure(Instant::now() < deadline, || format!("the cron never delivered: {attempts:?}"))?;
        if !attempts.is_empty() {
            let fired = send(request(Method::GET, &target.base_url, "/__scheduled?cron=*+*+*+*+*"))?;
            ensure_eq(fired.status().as_u16(), 200, "/__scheduled")?;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Nobody sweeps: the write itself starts the delivery (through the Queue and its consumer on
/// the Worker, after the response on Spin). (Run alone, `cargo run -p contract -- follows`,
/// nothing else can deliver it.)
fn the_first_attempt_follows_the_write(target: &Target) -> Outcome {
    let Endpoint { name, token, product, .. } = endpoint(target, "hook-follows", 0)?;
    let order = place_order(target, &token, &product)?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let attempts = hooks::attempts(&name)?;
        if let Some(delivered) = attempts.iter().find(|a| a["status"] == 200) {
            ensure_eq(delivered["verified"].as_bool(), Some(true), "signature")?;
            return ensure_eq(delivered["body"]["data"]["id"].as_str(), Some(order.as_str()), "the order");
        }
        ensure(Instant::now() < deadline, || format!("no delivery followed the write: {attempts:?}"))?;
        std::thread::sleep(Duration::from_millis(200));
    }
}
