//! The Protobuf services with real clients: `@connectrpc/connect-node` over the Connect
//! transport (binary and JSON) and the gRPC-Web transport, `buf curl`, and raw requests where
//! the server's own behaviour must be seen without a client in between (deadlines, limits).

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, header, request, send};
use crate::fixtures::{json_call, place_order, shopper_and_product, staff_token};
use crate::rpc::{self, TRANSPORTS, Transport};

pub const CASES: &[Case] = &[
    ("rpc::unary_methods_over_every_transport", unary_methods_over_every_transport),
    ("rpc::watch_order_streams_rest_changes_to_the_final_status", watch_order_streams_rest_changes_to_the_final_status),
    ("rpc::deadlines_end_calls_on_the_server", deadlines_end_calls_on_the_server),
    ("rpc::auth_failures_and_hidden_orders_are_statuses", auth_failures_and_hidden_orders_are_statuses),
    ("rpc::limits_are_resource_exhausted", limits_are_resource_exhausted),
    ("rpc::health_checks_and_watches", health_checks_and_watches),
    ("rpc::buf_curl_calls_a_method", buf_curl_calls_a_method),
];

const ORDERS: &str = "orderflow.v1.OrderService";
const CATALOG: &str = "orderflow.v1.CatalogService";
const HEALTH: &str = "grpc.health.v1.Health";
/// Long enough for a poll interval (200 ms) and a Node start on a busy two-core machine.
const WAIT: Duration = Duration::from_secs(20);

fn unary(
    target: &Target,
    transport: Transport,
    service: &str,
    method: &str,
    input: Value,
    token: Option<&str>,
) -> Result<Value, String> {
    rpc::unary(&target.base_url, transport, service, method, &input, token)?
        .map_err(|error| format!("{transport:?} {method}: {error}"))
}

/// Fails unless the call failed with `code`, the REST machine code `problem` in its detail.
fn expect_error(
    target: &Target,
    transport: Transport,
    (service, method): (&str, &str),
    input: Value,
    token: Option<&str>,
    (code, problem): (&str, &str),
) -> Result<Value, String> {
    match rpc::unary(&target.base_url, transport, service, method, &input, token)? {
        Ok(response) => Err(format!("{transport:?} {method}: expected {code}, got {response}")),
        Err(error) => {
            ensure_eq(error["code"].as_str(), Some(code), &format!("{transport:?} {method} code"))?;
            ensure_eq(
                error["problem"]["code"].as_str(),
                Some(problem),
                &format!("{transport:?} {method} ProblemDetail"),
            )?;
            Ok(error)
        }
    }
}

fn unary_methods_over_every_transport(target: &Target) -> Outcome {
    let (token, product) = shopper_and_product(target, "rpc-unary")?;
    let staff = staff_token(target)?;
    for (n, transport) in TRANSPORTS.into_iter().enumerate() {
        let create =
            json!({"items": [{"productId": product, "quantity": 2}], "idempotencyKey": format!("rpc-unary-{n}")});
        let created = unary(target, transport, ORDERS, "CreateOrder", create.clone(), Some(&token))?;
        let order = &created["order"];
        let id = order["id"].as_str().ok_or_else(|| format!("{transport:?}: no order id in {created}"))?;
        ensure_eq(order["status"].as_str(), Some("ORDER_STATUS_PENDING"), "new order status")?;
        ensure_eq(order["total"].clone(), json!({"amountMinor": "1000", "currency": "EUR"}), "total in minor units")?;
        let replay = unary(target, transport, ORDERS, "CreateOrder", create, Some(&token))?;
        ensure_eq(replay["order"]["id"].as_str(), Some(id), "an idempotency key replays the first order")?;

        let read = unary(target, transport, ORDERS, "GetOrder", json!({"id": id}), Some(&token))?;
        ensure_eq(&read["order"], order, "GetOrder returns the order as created")?;
        let listed = unary(target, transport, ORDERS, "ListOrders", json!({"pageSize": 100}), Some(&token))?;
        let ids: Vec<&str> =
            listed["orders"].as_array().into_iter().flatten().filter_map(|o| o["id"].as_str()).collect();
        ensure(ids.contains(&id), || format!("{transport:?} ListOrders lists {id}: {listed}"))?;

        let change = json!({"id": id, "status": "ORDER_STATUS_PROCESSING", "expectedVersion": order["version"]});
        let moved = unary(target, transport, ORDERS, "UpdateOrderStatus", change.clone(), Some(&staff))?;
        ensure_eq(moved["order"]["status"].as_str(), Some("ORDER_STATUS_PROCESSING"), "staff moved it")?;
        expect_error(
            target,
            transport,
            (ORDERS, "UpdateOrderStatus"),
            change,
            Some(&staff),
            ("failed_precondition", "precondition_failed"),
        )?;
        let cancelled = unary(target, transport, ORDERS, "CancelOrder", json!({"id": id}), Some(&token))?;
        ensure_eq(cancelled["order"]["status"].as_str(), Some("ORDER_STATUS_CANCELLED"), "the owner cancelled it")?;

        let product_read = unary(target, transport, CATALOG, "GetProduct", json!({"id": product}), None)?;
        ensure_eq(product_read["product"]["price"]["amountMinor"].as_str(), Some("500"), "product price")?;
    }
    Ok(())
}

fn set_status(target: &Target, order: &str, status: &str) -> Outcome {
    let staff = staff_token(target)?;
    let (code, body) =
        json_call(target, Method::PATCH, &format!("/v2/orders/{order}"), &staff, &json!({"status": status}))?;
    ensure(code == 200, || format!("PATCH status {status}: {code} {body}"))
}

fn watch_order_streams_rest_changes_to_the_final_status(target: &Target) -> Outcome {
    let (token, product) = shopper_and_product(target, "rpc-watch")?;
    for transport in TRANSPORTS {
        let order = place_order(target, &token, &product)?;
        let call =
            rpc::start(&target.base_url, transport, ORDERS, "WatchOrder", &json!({"id": order}), Some(&token), None)?;
        let status = |line: Value| -> Result<String, String> {
            line["message"]["order"]["status"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{transport:?}: expected a message, got {line}"))
        };
        ensure_eq(status(call.next(WAIT)?)?.as_str(), "ORDER_STATUS_PENDING", "the order as it is now")?;
        for (rest, expected) in [
            ("processing", "ORDER_STATUS_PROCESSING"),
            ("shipped", "ORDER_STATUS_SHIPPED"),
            ("delivered", "ORDER_STATUS_DELIVERED"),
        ] {
            set_status(target, &order, rest)?;
            ensure_eq(
                status(call.next(WAIT)?)?.as_str(),
                expected,
                &format!("{transport:?}: the REST change to {rest}"),
            )?;
        }
        ensure_eq(call.next(WAIT)?, json!({"end": "ok"}), "delivered is final: the stream ends with OK")?;
    }
    Ok(())
}

/// The envelopes of a Connect or gRPC-Web body: (flags, data).
fn envelopes(mut body: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, String> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let header: [u8; 5] = body.get(..5).and_then(|h| h.try_into().ok()).ok_or("a truncated envelope header")?;
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let data = body.get(5..5 + length).ok_or("a truncated envelope")?;
        frames.push((header[0], data.to_vec()));
        body = &body[5 + length..];
    }
    Ok(frames)
}

fn envelope(data: &[u8]) -> Vec<u8> {
    let mut framed = vec![0];
    framed.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    framed.extend_from_slice(data);
    framed
}

fn deadlines_end_calls_on_the_server(target: &Target) -> Outcome {
    let (token, product) = shopper_and_product(target, "rpc-deadline")?;
    let order = place_order(target, &token, &product)?;
    // The real client: the order, then deadline_exceeded once its 1.5 s are up.
    for transport in [Transport::ConnectProto, Transport::GrpcWeb] {
        let call = rpc::start(
            &target.base_url,
            transport,
            ORDERS,
            "WatchOrder",
            &json!({"id": order}),
            Some(&token),
            Some(Duration::from_millis(1500)),
        )?;
        ensure(call.next(WAIT)?.get("message").is_some(), || format!("{transport:?}: the order first"))?;
        let end = call.next(WAIT)?;
        ensure_eq(
            end["error"]["code"].as_str(),
            Some("deadline_exceeded"),
            &format!("{transport:?} stream end {end}"),
        )?;
    }
    // Without a client that gives up on its own: the server ends the stream at the deadline.
    let started = Instant::now();
    let response = send(
        request(Method::POST, &target.base_url, &format!("/{ORDERS}/WatchOrder"))
            .header("content-type", "application/connect+json")
            .header("connect-timeout-ms", "1000")
            .header("authorization", format!("Bearer {token}"))
            .body(envelope(json!({"id": order}).to_string().as_bytes())),
    )?;
    ensure_eq(response.status().as_u16(), 200, "a Connect stream answers 200")?;
    ensure_eq(header(&response, "content-type").as_str(), "application/connect+json", "content-type")?;
    let mut body = Vec::new();
    let mut response = response;
    response.read_to_end(&mut body).map_err(|e| format!("reading the stream: {e}"))?;
    let elapsed = started.elapsed();
    let frames = envelopes(&body)?;
    let (flags, end) = frames.last().ok_or("an empty stream")?;
    ensure_eq(*flags, 0x02, "the last envelope is the end of the stream")?;
    let end: Value = serde_json::from_slice(end).map_err(|e| format!("end-of-stream JSON: {e}"))?;
    ensure_eq(end["error"]["code"].as_str(), Some("deadline_exceeded"), "the server's own deadline")?;
    ensure(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(10), || {
        format!("ended after {elapsed:?}")
    })?;

    // A unary call out of time before it starts.
    let late = send(
        request(Method::POST, &target.base_url, &format!("/{ORDERS}/GetOrder"))
            .header("content-type", "application/json")
            .header("connect-timeout-ms", "0")
            .header("authorization", format!("Bearer {token}"))
            .body(json!({"id": order}).to_string()),
    )?;
    ensure_eq(late.status().as_u16(), 504, "Connect maps deadline_exceeded to 504")?;
    let body: Value = late.json().map_err(|e| e.to_string())?;
    ensure_eq(body["code"].as_str(), Some("deadline_exceeded"), "unary deadline")
}

fn auth_failures_and_hidden_orders_are_statuses(target: &Target) -> Outcome {
    let (alice, product) = shopper_and_product(target, "rpc-alice")?;
    let (bob, _) = shopper_and_product(target, "rpc-bob")?;
    let order = place_order(target, &alice, &product)?;
    let get = (ORDERS, "GetOrder");
    for transport in TRANSPORTS {
        expect_error(target, transport, get, json!({"id": order}), None, ("unauthenticated", "unauthenticated"))?;
        expect_error(
            target,
            transport,
            get,
            json!({"id": order}),
            Some("not-a-token"),
            ("unauthenticated", "invalid_token"),
        )?;
        let hidden =
            expect_error(target, transport, get, json!({"id": order}), Some(&bob), ("not_found", "not_found"))?;
        ensure(!hidden.to_string().contains(&product), || format!("a hidden order leaks nothing: {hidden}"))?;
        expect_error(target, transport, get, json!({"id": "no-such-order"}), Some(&alice), ("not_found", "not_found"))?;
        let change = json!({"id": order, "status": "ORDER_STATUS_SHIPPED"});
        expect_error(
            target,
            transport,
            (ORDERS, "UpdateOrderStatus"),
            change,
            Some(&alice),
            ("permission_denied", "forbidden"),
        )?;
        expect_error(
            target,
            transport,
            get,
            json!({"id": ""}),
            Some(&alice),
            ("invalid_argument", "invalid_argument"),
        )?;
    }
    Ok(())
}

fn limits_are_resource_exhausted(target: &Target) -> Outcome {
    // `contract-rpc` allows two ListProducts calls a minute per address.
    let list = (CATALOG, "ListProducts");
    for _ in 0..2 {
        unary(target, Transport::ConnectProto, CATALOG, "ListProducts", json!({"pageSize": 1}), None)?;
    }
    let limited =
        expect_error(target, Transport::ConnectProto, list, json!({}), None, ("resource_exhausted", "rate_limited"))?;
    ensure(limited["detailTypes"].as_array().is_some_and(|t| t.iter().any(|t| t == "google.rpc.RetryInfo")), || {
        format!("rate limits say when to retry: {limited}")
    })?;

    // A message over the body limit (1 MiB), over gRPC-Web: a status in the trailers.
    let huge = envelope(&vec![b'x'; 1_100_000]);
    let response = send(
        request(Method::POST, &target.base_url, &format!("/{ORDERS}/GetOrder"))
            .header("content-type", "application/grpc-web+proto")
            .body(huge),
    )?;
    ensure_eq(response.status().as_u16(), 200, "gRPC-Web statuses travel in the body")?;
    let body = response.bytes().map_err(|e| e.to_string())?;
    let frames = envelopes(&body)?;
    let (flags, trailers) = frames.last().ok_or("no trailers")?;
    ensure_eq(*flags, 0x80, "a trailers envelope")?;
    let trailers = String::from_utf8_lossy(trailers);
    ensure(trailers.starts_with("grpc-status: 8\r\n"), || format!("resource_exhausted: {trailers}"))
}

fn health_checks_and_watches(target: &Target) -> Outcome {
    for transport in TRANSPORTS {
        for service in ["", ORDERS, CATALOG] {
            let answer = unary(target, transport, HEALTH, "Check", json!({"service": service}), None)?;
            ensure_eq(answer["status"].as_str(), Some("SERVING"), &format!("{transport:?} Check({service:?})"))?;
        }
        expect_error(
            target,
            transport,
            (HEALTH, "Check"),
            json!({"service": "nope.v1.Nothing"}),
            None,
            ("not_found", "not_found"),
        )?;
    }
    let watch = rpc::start(
        &target.base_url,
        Transport::GrpcWeb,
        HEALTH,
        "Watch",
        &json!({}),
        None,
        Some(Duration::from_millis(1200)),
    )?;
    ensure_eq(watch.next(WAIT)?, json!({"message": {"status": "SERVING"}}), "Watch: the status now")?;
    let end = watch.next(WAIT)?;
    ensure_eq(end["error"]["code"].as_str(), Some("deadline_exceeded"), &format!("Watch ends at its deadline: {end}"))
}

fn buf_curl_calls_a_method(target: &Target) -> Outcome {
    let (_, product) = shopper_and_product(target, "rpc-curl")?;
    let (ok, output) = rpc::buf_curl(&target.base_url, CATALOG, "GetProduct", &json!({"id": product}))?;
    ensure(ok, || format!("buf curl failed: {output}"))?;
    let answer: Value =
        serde_json::from_str(&output).map_err(|e| format!("buf curl printed no JSON ({e}): {output}"))?;
    ensure_eq(answer["product"]["id"].as_str(), Some(product.as_str()), "buf curl GetProduct")
}
