//! Live updates over Server-Sent Events: a change made through REST reaches an open stream,
//! `Last-Event-ID` resumes from the outbox, feeds are scoped to what the caller may see,
//! heartbeats and the server-side lifetime, logout ends a stream, refusals are problems.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, request, send};
use crate::fixtures::{access, customer, json_call, place_order, shopper_and_product, staff_token};
use crate::sse::{self, LIFETIME_SECONDS, Received};
use crate::ws;

pub const CASES: &[Case] = &[
    (
        "live::a_rest_change_reaches_an_open_order_stream_and_resumes",
        a_rest_change_reaches_an_open_order_stream_and_resumes,
    ),
    (
        "live::a_feed_holds_only_the_callers_orders_and_logout_ends_it",
        a_feed_holds_only_the_callers_orders_and_logout_ends_it,
    ),
    ("live::idle_streams_heartbeat_and_end_after_their_lifetime", idle_streams_heartbeat_and_end_after_their_lifetime),
    ("live::stream_refusals_are_problems", stream_refusals_are_problems),
    ("live::a_websocket_gets_rest_changes_and_closes_on_logout", a_websocket_gets_rest_changes_and_closes_on_logout),
    (
        "live::websocket_handshakes_need_a_token_and_sockets_are_capped",
        websocket_handshakes_need_a_token_and_sockets_are_capped,
    ),
];

/// Long enough for a poll interval (200 ms) on a busy two-core machine.
const WAIT: Duration = Duration::from_secs(10);

/// A customer with a profile and an order of one unit of a fresh product: (token, order id).
fn customer_with_order(target: &Target, tag: &str) -> Result<(String, String), String> {
    let (token, product) = shopper_and_product(target, tag)?;
    let order = place_order(target, &token, &product)?;
    Ok((token, order))
}

fn set_status(target: &Target, order: &str, status: &str) -> Outcome {
    let staff = staff_token(target)?;
    let (code, body) =
        json_call(target, Method::PATCH, &format!("/v2/orders/{order}"), &staff, &json!({"status": status}))?;
    ensure(code == 200, || format!("PATCH status {status}: {code} {body}"))
}

fn open(target: &Target, path: &str, token: &str, last_event_id: Option<&str>) -> Result<sse::Stream, String> {
    let stream = sse::open(&target.base_url, path, token, last_event_id)?;
    ensure_eq(stream.status, 200, "stream status")?;
    ensure_eq(stream.content_type.as_str(), "text/event-stream", "content-type")?;
    ensure_eq(stream.next(WAIT)?, Received::Retry(2000), "the stream opens with retry:")?;
    ensure_eq(stream.next(WAIT)?, Received::Comment("connected".into()), "and a comment, at once")?;
    Ok(stream)
}

/// The next event as (id, type, data).
fn event(stream: &sse::Stream) -> Result<(String, String, Value), String> {
    match stream.next_event(WAIT)? {
        Received::Event { id, kind, data } => {
            let data = serde_json::from_str(&data).map_err(|e| format!("event data is not JSON: {e}: {data}"))?;
            Ok((id, kind, data))
        }
        other => Err(format!("expected an event, got {other:?}")),
    }
}

fn a_rest_change_reaches_an_open_order_stream_and_resumes(target: &Target) -> Outcome {
    let (token, order) = customer_with_order(target, "live-order")?;
    let path = format!("/v2/orders/{order}/events");
    let stream = open(target, &path, &token, None)?;
    set_status(target, &order, "processing")?;
    let (first_id, kind, data) = event(&stream)?;
    ensure_eq(kind.as_str(), "order.status_changed", "event type")?;
    ensure_eq(data["id"].as_str(), Some(order.as_str()), "event subject")?;
    ensure_eq(data["status"].as_str(), Some("processing"), "event status")?;
    ensure_eq(data["total"]["amount"].as_str(), Some("5.00"), "the order as v2 renders it")?;
    set_status(target, &order, "shipped")?;
    let (second_id, _, data) = event(&stream)?;
    ensure_eq(data["status"].as_str(), Some("shipped"), "second event")?;
    let ids = (first_id.parse::<i64>().unwrap_or(-1), second_id.parse::<i64>().unwrap_or(-1));
    ensure(0 < ids.0 && ids.0 < ids.1, || format!("event ids increase: {ids:?}"))?;

    // A client reconnecting with the last id it saw gets what followed it, from the outbox.
    let resumed = open(target, &path, &token, Some(&first_id))?;
    let (id, _, data) = event(&resumed)?;
    ensure_eq((id.as_str(), data["status"].as_str()), (second_id.as_str(), Some("shipped")), "resumed after")?;
    let replay = open(target, &path, &token, Some("0"))?;
    let kinds: Vec<String> = (0..3).map(|_| event(&replay).map(|e| e.1)).collect::<Result<_, _>>()?;
    ensure_eq(
        kinds,
        vec!["order.created".into(), "order.status_changed".into(), "order.status_changed".into()],
        "replay",
    )
}

fn a_feed_holds_only_the_callers_orders_and_logout_ends_it(target: &Target) -> Outcome {
    let (alice, _) = customer_with_order(target, "live-alice")?;
    let (bob, bobs_order) = customer_with_order(target, "live-bob")?;
    let feed = open(target, "/v2/events", &alice, None)?;
    let staff_feed = open(target, "/v2/events", &staff_token(target)?, None)?;
    let bobs_feed = open(target, "/v2/events", &bob, None)?;
    set_status(target, &bobs_order, "processing")?;
    // Bob sees his order move, and so does staff; Alice's feed stays quiet.
    let (_, kind, data) = event(&bobs_feed)?;
    ensure_eq((kind.as_str(), data["id"].as_str()), ("order.status_changed", Some(bobs_order.as_str())), "Bob's feed")?;
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, _, data) = event(&staff_feed)?;
        if data["id"].as_str() == Some(bobs_order.as_str()) {
            break;
        }
        ensure(Instant::now() < deadline, || "staff never saw Bob's order change".to_owned())?;
    }
    // Alice logs out: her stream ends with `event: end` at the next read, and nothing of Bob's
    // came before it.
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/logout").bearer_auth(&alice))?;
    ensure_eq(response.status().as_u16(), 204, "logout")?;
    match feed.next_event(WAIT)? {
        Received::Event { kind, data, .. } => {
            ensure_eq(kind.as_str(), "end", "Alice's first event is the end")?;
            ensure_eq(data.as_str(), r#"{"reason":"unauthorized"}"#, "end reason")?;
        }
        Received::Closed => return Err("closed without event: end".into()),
        other => return Err(format!("unexpected {other:?}")),
    }
    ensure_eq(feed.next_event(WAIT)?, Received::Closed, "closed after the end")
}

fn idle_streams_heartbeat_and_end_after_their_lifetime(target: &Target) -> Outcome {
    let (token, order) = customer_with_order(target, "live-idle")?;
    let opened = Instant::now();
    let stream = open(target, &format!("/v2/orders/{order}/events"), &token, None)?;
    let mut heartbeats = 0;
    loop {
        match stream.next(WAIT)? {
            Received::Comment(text) if text == "heartbeat" => heartbeats += 1,
            Received::Closed => break,
            other => return Err(format!("an idle stream sent {other:?}")),
        }
    }
    let lived = opened.elapsed();
    ensure(heartbeats >= 2, || format!("{heartbeats} heartbeats in {lived:?}"))?;
    let lifetime = Duration::from_secs(LIFETIME_SECONDS);
    ensure(lived >= lifetime - Duration::from_millis(500) && lived < lifetime + WAIT, || {
        format!("the stream lived {lived:?}, its lifetime is {lifetime:?}")
    })
}

fn stream_refusals_are_problems(target: &Target) -> Outcome {
    let (alice, order) = customer_with_order(target, "live-refusals")?;
    let (_, bob_tokens) = customer(target, "live-stranger")?;
    let path = format!("/v2/orders/{order}/events");
    expect_problem(send(request(Method::GET, &target.base_url, &path))?, 401, "unauthenticated")?;
    let bob = access(&bob_tokens);
    expect_problem(send(request(Method::GET, &target.base_url, &path).bearer_auth(&bob))?, 404, "not_found")?;
    let bad = request(Method::GET, &target.base_url, "/v2/events").bearer_auth(&alice).header("last-event-id", "x1");
    expect_problem(send(bad)?, 400, "invalid_last_event_id")?;
    Ok(())
}

/// The `ws://` URL of `GET /v2/ws`.
fn socket_url(target: &Target) -> String {
    format!("{}/v2/ws", target.base_url.replacen("http", "ws", 1))
}

fn a_websocket_gets_rest_changes_and_closes_on_logout(target: &Target) -> Outcome {
    let (token, order) = customer_with_order(target, "ws-order")?;
    let sockets = ws::open(&socket_url(target), Some(&token), &[&format!("order:{order}")], 1)?;
    sockets.wait_for(WAIT, "welcome", |l| l["message"]["type"] == "welcome")?;
    let subscribed = sockets.wait_for(WAIT, "subscription", |l| l["message"]["type"] == "subscribed")?;
    ensure_eq(subscribed["message"]["channels"].clone(), json!([format!("order:{order}")]), "channels")?;
    set_status(target, &order, "processing")?;
    let event = sockets.wait_for(WAIT, "the status change", |l| l["message"]["type"] == "event")?;
    ensure_eq(event["message"]["event"].as_str(), Some("order.status_changed"), "event type")?;
    ensure_eq(event["message"]["data"]["status"].as_str(), Some("processing"), "event data")?;
    ensure(event["message"]["id"].as_i64().is_some_and(|id| id > 0), || format!("event id: {event}"))?;
    // Logout revokes the session: the socket closes with 4001 at the next poll.
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/logout").bearer_auth(&token))?;
    ensure_eq(response.status().as_u16(), 204, "logout")?;
    let closed = sockets.wait_for(WAIT, "the close", |l| l.get("closed").is_some())?;
    ensure_eq(closed["closed"].as_u64(), Some(4001), "close code on revocation")
}

fn websocket_handshakes_need_a_token_and_sockets_are_capped(target: &Target) -> Outcome {
    let refused = ws::open(&socket_url(target), None, &["events"], 1)?;
    let line = refused.wait_for(WAIT, "the refusal", |l| l.get("refused").is_some())?;
    ensure_eq(line["refused"].as_u64(), Some(401), "no token, no socket")?;
    let not_a_socket = send(request(Method::GET, &target.base_url, "/v2/ws"))?;
    expect_problem(not_a_socket, 426, "upgrade_required")?;
    // Six sockets of one user: five are welcome, one is told why and closed (1008).
    let (token, _) = customer_with_order(target, "ws-cap")?;
    let sockets = ws::open(&socket_url(target), Some(&token), &["events"], 6)?;
    let capped = sockets.wait_for(WAIT, "the capped socket", |l| l.get("closed").is_some())?;
    ensure_eq(capped["closed"].as_u64(), Some(1008), "close code over the cap")?;
    Ok(())
}
