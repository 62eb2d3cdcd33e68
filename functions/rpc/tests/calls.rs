//! The RPC function end to end through the native adapters: real requests in each protocol
//! and codec, beside the REST functions that arrange the data.

use prost::Message;
use rpc::pb::health::{HealthCheckRequest, HealthCheckResponse, health_check_response::ServingStatus};
use rpc::pb::orderflow::v1::*;
use rpc::wire::{END_STREAM_FLAG, TRAILERS_FLAG, envelope};
use serde_json::{Value, json};
use testkit::Shop;
use web::{Body, Router};

async fn shop() -> Shop {
    let router =
        Router::new().merge(rpc::router()).merge(orders::router()).merge(products::router()).merge(customers::router());
    Shop::open(router, 5).await
}

/// What a call answered: HTTP status, content type and body.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Calls the tests make on the shop.
trait Calls {
    /// Sends `body` to `path` as `content_type`, with a bearer token and extra headers.
    async fn call(
        &self,
        path: &str,
        content_type: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Answer;
    async fn unary<M: Message>(&self, path: &str, token: Option<&str>, message: &M) -> Answer;
    /// Places an order of the widget over RPC.
    async fn place(&self, token: &str, quantity: i64, key: &str) -> Order;
}

impl Calls for Shop {
    async fn call(
        &self,
        path: &str,
        content_type: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", content_type)];
        headers.extend_from_slice(extra);
        if let Some(auth) = &auth {
            headers.push(("authorization", auth));
        }
        let (status, _, response) = self.h.call("POST", path, &headers, body).await;
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next_chunk().await {
            bytes.extend_from_slice(&chunk);
        }
        Answer { status, content_type: content_type.unwrap_or_default(), body: bytes }
    }

    async fn unary<M: Message>(&self, path: &str, token: Option<&str>, message: &M) -> Answer {
        self.call(path, "application/proto", token, &[], &message.encode_to_vec()).await
    }

    async fn place(&self, token: &str, quantity: i64, key: &str) -> Order {
        let input = CreateOrderRequest {
            items: vec![CreateOrderItem { product_id: self.widget.clone(), quantity }],
            idempotency_key: key.to_owned(),
        };
        let answer = self.unary("/orderflow.v1.OrderService/CreateOrder", Some(token), &input).await;
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
        CreateOrderResponse::decode(&answer.body[..]).unwrap().order.unwrap()
    }
}

/// The envelopes of a streamed body: (flags, data).
fn envelopes(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((body[0], body[5..5 + length].to_vec()));
        body = &body[5 + length..];
    }
    frames
}

/// The machine code in a Connect error's `orderflow.v1.ProblemDetail`.
fn problem_code(error: &Value) -> String {
    let detail =
        error["details"].as_array().unwrap().iter().find(|d| d["type"] == "orderflow.v1.ProblemDetail").unwrap();
    let value = detail["value"].as_str().unwrap().trim_end_matches('=');
    let bytes = <base64ct::Base64Unpadded as base64ct::Encoding>::decode_vec(value).unwrap();
    ProblemDetail::decode(&bytes[..]).unwrap().code
}

#[tokio::test]
async fn connect_unary_reads_orders_in_both_codecs_and_hides_other_users_orders() {
    let s = shop().await;
    let order = s.place(&s.alice, 2, "").await;
    assert_eq!(order.status, OrderStatus::Pending as i32);
    assert_eq!(order.total, Some(Money { amount_minor: 3998, currency: "EUR".into() }));
    assert_eq!(order.items[0].sku, "W");

    let get = GetOrderRequest { id: order.id.clone() };
    let answer = s.unary("/orderflow.v1.OrderService/GetOrder", Some(&s.alice), &get).await;
    assert_eq!((answer.status, answer.content_type.as_str()), (200, "application/proto"));
    assert_eq!(GetOrderResponse::decode(&answer.body[..]).unwrap().order.unwrap(), order);

    let json = s
        .call(
            "/orderflow.v1.OrderService/GetOrder",
            "application/json",
            Some(&s.alice),
            &[],
            get_json(&order.id).as_bytes(),
        )
        .await;
    assert_eq!((json.status, json.content_type.as_str()), (200, "application/json"));
    let body: Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(body["order"]["status"], "ORDER_STATUS_PENDING", "proto3 JSON: enums by name");
    assert_eq!(body["order"]["total"]["amountMinor"], "3998", "proto3 JSON: int64 as a string");
    let created = body["order"]["createTime"].as_str().unwrap();
    assert!(is_utc_rfc3339(created), "timestamps in RFC 3339: {created}");

    let hidden = s.unary("/orderflow.v1.OrderService/GetOrder", Some(&s.bob), &get).await;
    assert_eq!(hidden.status, 404);
    let error: Value = serde_json::from_slice(&hidden.body).unwrap();
    assert_eq!(error["code"], "not_found");
    assert_eq!(problem_code(&error), "not_found");

    let anonymous = s.unary("/orderflow.v1.OrderService/GetOrder", None, &get).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(serde_json::from_slice::<Value>(&anonymous.body).unwrap()["code"], "unauthenticated");
}

/// Whether `text` is an RFC 3339 UTC time, as the proto3 JSON mapping writes Timestamps.
fn is_utc_rfc3339(text: &str) -> bool {
    text.len() >= 20 && text.as_bytes()[10] == b'T' && (text.ends_with('Z') || text.ends_with("+00:00"))
}

fn get_json(id: &str) -> String {
    json!({ "id": id }).to_string()
}

#[tokio::test]
async fn grpc_web_carries_messages_and_trailers_in_the_body_and_idempotency_keys_replay() {
    let s = shop().await;
    let input = CreateOrderRequest {
        items: vec![CreateOrderItem { product_id: s.widget.clone(), quantity: 1 }],
        idempotency_key: "rpc-key-1".into(),
    };
    let framed = envelope(0, &input.encode_to_vec());
    let path = "/orderflow.v1.OrderService/CreateOrder";
    let first = s.call(path, "application/grpc-web+proto", Some(&s.alice), &[], &framed).await;
    assert_eq!((first.status, first.content_type.as_str()), (200, "application/grpc-web+proto"));
    let frames = envelopes(&first.body);
    assert_eq!(frames.len(), 2);
    let order = CreateOrderResponse::decode(&frames[0].1[..]).unwrap().order.unwrap();
    assert_eq!(frames[1], (TRAILERS_FLAG, b"grpc-status: 0\r\ngrpc-message: \r\n".to_vec()));

    let again = s.call(path, "application/grpc-web+proto", Some(&s.alice), &[], &framed).await;
    let replayed = CreateOrderResponse::decode(&envelopes(&again.body)[0].1[..]).unwrap().order.unwrap();
    assert_eq!(replayed.id, order.id, "the same key answers with the first order");
    let (_, page) = s.h.get("/v2/orders", &s.alice).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "and places nothing more");

    // The same key with another request is refused, as in REST.
    let greedy =
        CreateOrderRequest { items: vec![CreateOrderItem { product_id: s.widget.clone(), quantity: 99 }], ..input };
    let trailers = |answer: Answer| String::from_utf8(envelopes(&answer.body)[0].1.clone()).unwrap();
    let reused =
        s.call(path, "application/grpc-web+proto", Some(&s.alice), &[], &envelope(0, &greedy.encode_to_vec())).await;
    assert!(trailers(reused).starts_with("grpc-status: 3\r\n"), "invalid_argument (idempotency_key_reused)");

    // Without a key, more units than in stock: the REST rule, as a gRPC status.
    let greedy = CreateOrderRequest { idempotency_key: String::new(), ..greedy };
    let refused =
        s.call(path, "application/grpc-web+proto", Some(&s.alice), &[], &envelope(0, &greedy.encode_to_vec())).await;
    let refused = trailers(refused);
    assert!(refused.starts_with("grpc-status: 9\r\n"), "failed_precondition (insufficient_stock): {refused}");
}

#[tokio::test]
async fn status_changes_keep_the_rest_rules() {
    let s = shop().await;
    let order = s.place(&s.alice, 1, "").await;
    let path = "/orderflow.v1.OrderService/UpdateOrderStatus";
    let stale =
        UpdateOrderStatusRequest { id: order.id.clone(), status: OrderStatus::Processing as i32, expected_version: 99 };
    let answer = s.unary(path, Some(&s.staff), &stale).await;
    assert_eq!(answer.status, 400);
    let error: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        (error["code"].as_str(), problem_code(&error).as_str()),
        (Some("failed_precondition"), "precondition_failed")
    );

    let by_owner = UpdateOrderStatusRequest { expected_version: 0, ..stale.clone() };
    let answer = s.unary(path, Some(&s.alice), &by_owner).await;
    assert_eq!(serde_json::from_slice::<Value>(&answer.body).unwrap()["code"], "permission_denied");

    let current = UpdateOrderStatusRequest { expected_version: order.version, ..stale };
    let moved = s.unary(path, Some(&s.staff), &current).await;
    assert_eq!(
        UpdateOrderStatusResponse::decode(&moved.body[..]).unwrap().order.unwrap().status,
        OrderStatus::Processing as i32
    );

    let cancel = CancelOrderRequest { id: order.id.clone() };
    let cancelled = s.unary("/orderflow.v1.OrderService/CancelOrder", Some(&s.alice), &cancel).await;
    assert_eq!(
        CancelOrderResponse::decode(&cancelled.body[..]).unwrap().order.unwrap().status,
        OrderStatus::Cancelled as i32
    );
    let (_, product) = s.h.get(&format!("/v2/products/{}", s.widget), &s.staff).await;
    assert_eq!(product["stock"], 5, "cancelling returned the stock");
}

#[tokio::test]
async fn lists_page_with_tokens() {
    let s = shop().await;
    for _ in 0..3 {
        s.place(&s.alice, 1, "").await;
    }
    let path = "/orderflow.v1.OrderService/ListOrders";
    let first = s.unary(path, Some(&s.alice), &ListOrdersRequest { page_size: 2, ..Default::default() }).await;
    let first = ListOrdersResponse::decode(&first.body[..]).unwrap();
    assert_eq!(first.orders.len(), 2);
    assert!(!first.next_page_token.is_empty());
    let next = ListOrdersRequest { page_size: 2, page_token: first.next_page_token, ..Default::default() };
    let second = ListOrdersResponse::decode(&s.unary(path, Some(&s.alice), &next).await.body[..]).unwrap();
    assert_eq!((second.orders.len(), second.next_page_token.as_str()), (1, ""));
    let bobs = s.unary(path, Some(&s.bob), &ListOrdersRequest::default()).await;
    assert!(ListOrdersResponse::decode(&bobs.body[..]).unwrap().orders.is_empty());

    let products = s.unary("/orderflow.v1.CatalogService/ListProducts", None, &ListProductsRequest::default()).await;
    let products = ListProductsResponse::decode(&products.body[..]).unwrap();
    assert_eq!(products.products.iter().map(|p| p.sku.as_str()).collect::<Vec<_>>(), ["W"]);
    let one = GetProductRequest { id: s.widget.clone() };
    let product = s.unary("/orderflow.v1.CatalogService/GetProduct", None, &one).await;
    assert_eq!(
        GetProductResponse::decode(&product.body[..]).unwrap().product.unwrap().price.unwrap().amount_minor,
        1999
    );
}

#[tokio::test]
async fn watch_order_streams_each_status_change_until_the_final_one() {
    let s = shop().await;
    let order = s.place(&s.alice, 1, "").await;
    let request = envelope(0, &WatchOrderRequest { id: order.id.clone() }.encode_to_vec());
    let auth = format!("Bearer {}", s.alice);
    let headers = [("content-type", "application/connect+proto"), ("authorization", auth.as_str())];
    let (status, _, response) = s.h.call("POST", "/orderflow.v1.OrderService/WatchOrder", &headers, &request).await;
    assert_eq!(status, 200);
    assert_eq!(response.headers()["content-type"], "application/connect+proto");
    let mut body = response.into_body();
    assert!(body.full().is_none(), "a stream, not a buffered body");

    let status_of = |frame: &(u8, Vec<u8>)| {
        assert_eq!(frame.0, 0);
        WatchOrderResponse::decode(&frame.1[..]).unwrap().order.unwrap().status
    };
    let first = envelopes(&body.next_chunk().await.unwrap());
    assert_eq!(status_of(&first[0]), OrderStatus::Pending as i32, "the order as it is now");
    for (rest, expected) in [
        ("processing", OrderStatus::Processing),
        ("shipped", OrderStatus::Shipped),
        ("delivered", OrderStatus::Delivered),
    ] {
        let change = json!({"status": rest});
        let uri = format!("/v2/orders/{}", order.id);
        let (code, reply, _) = s.h.send("PATCH", &uri, Some(&s.staff), &[], Some(&change)).await;
        assert_eq!(code, 200, "{reply}");
        let change = envelopes(&body.next_chunk().await.unwrap());
        assert_eq!(status_of(&change[0]), expected as i32);
    }
    let end = envelopes(&body.next_chunk().await.unwrap());
    assert_eq!(end, [(END_STREAM_FLAG, b"{}".to_vec())], "delivered is final: the stream ends with OK");
    assert!(body.next_chunk().await.is_none());
}

async fn open_watch(s: &Shop, content_type: &str, token: &str, id: &str, extra: &[(&str, &str)]) -> (u16, Body) {
    let message = WatchOrderRequest { id: id.to_owned() };
    let data =
        if content_type.ends_with("json") { serde_json::to_vec(&message).unwrap() } else { message.encode_to_vec() };
    let request = envelope(0, &data);
    let auth = format!("Bearer {token}");
    let mut headers = vec![("content-type", content_type), ("authorization", auth.as_str())];
    headers.extend_from_slice(extra);
    let (status, _, response) = s.h.call("POST", "/orderflow.v1.OrderService/WatchOrder", &headers, &request).await;
    (status, response.into_body())
}

#[tokio::test]
async fn a_stream_ends_with_deadline_exceeded_when_its_deadline_passes() {
    let s = shop().await;
    let order = s.place(&s.alice, 1, "").await;
    let (status, mut body) =
        open_watch(&s, "application/grpc-web+proto", &s.alice, &order.id, &[("grpc-timeout", "2S")]).await;
    assert_eq!(status, 200);
    assert_eq!(envelopes(&body.next_chunk().await.unwrap())[0].0, 0, "the order now");
    s.h.platform.clock.advance(2_000);
    let end = envelopes(&body.next_chunk().await.unwrap());
    let trailers = String::from_utf8(end[0].1.clone()).unwrap();
    assert_eq!(end[0].0, TRAILERS_FLAG);
    assert!(trailers.starts_with("grpc-status: 4\r\n"), "deadline_exceeded: {trailers}");
    assert!(body.next_chunk().await.is_none());

    // A unary call out of time before it starts does nothing.
    let get = GetOrderRequest { id: order.id.clone() };
    let late = s
        .call(
            "/orderflow.v1.OrderService/GetOrder",
            "application/proto",
            Some(&s.alice),
            &[("connect-timeout-ms", "0")],
            &get.encode_to_vec(),
        )
        .await;
    assert_eq!(late.status, 504);
    assert_eq!(serde_json::from_slice::<Value>(&late.body).unwrap()["code"], "deadline_exceeded");
}

#[tokio::test]
async fn stream_errors_travel_in_the_end_of_stream_message() {
    let s = shop().await;
    let order = s.place(&s.alice, 1, "").await;
    let (status, mut body) = open_watch(&s, "application/connect+json", &s.bob, &order.id, &[]).await;
    assert_eq!(status, 200, "Connect streams carry errors in the body");
    let end = envelopes(&body.next_chunk().await.unwrap());
    assert_eq!(end[0].0, END_STREAM_FLAG);
    let end: Value = serde_json::from_slice(&end[0].1).unwrap();
    assert_eq!(end["error"]["code"], "not_found");

    // A stream needs envelopes: Connect unary content types are refused.
    let (status, mut body) = open_watch(&s, "application/proto", &s.alice, &order.id, &[]).await;
    assert_eq!(status, 400);
    let error: Value = serde_json::from_slice(&body.next_chunk().await.unwrap()).unwrap();
    assert_eq!(problem_code(&error), "unsupported_media_type");
}

#[tokio::test]
async fn the_pipelines_own_errors_are_rpc_statuses_too() {
    let s = shop().await;
    let (status, _, response) = s.h.call("GET", "/orderflow.v1.OrderService/GetOrder", &[], b"").await;
    assert_eq!(status, 501);
    let error: Value = serde_json::from_slice(response.body().full().unwrap()).unwrap();
    assert_eq!((error["code"].as_str(), problem_code(&error).as_str()), (Some("unimplemented"), "method_not_allowed"));

    let huge = vec![b'x'; 2 * 1024 * 1024];
    let answer = s.call("/orderflow.v1.OrderService/GetOrder", "application/grpc-web+proto", None, &[], &huge).await;
    let trailers = String::from_utf8(envelopes(&answer.body)[0].1.clone()).unwrap();
    assert!(trailers.starts_with("grpc-status: 8\r\n"), "resource_exhausted: {trailers}");

    let garbage =
        s.call("/orderflow.v1.OrderService/GetOrder", "application/proto", Some(&s.alice), &[], b"\xff\xff").await;
    let error: Value = serde_json::from_slice(&garbage.body).unwrap();
    assert_eq!((error["code"].as_str(), problem_code(&error).as_str()), (Some("invalid_argument"), "invalid_message"));

    let unknown = s.call("/orderflow.v1.OrderService/GetOrder", "text/plain", Some(&s.alice), &[], b"").await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn health_answers_from_the_readiness_checks() {
    let s = shop().await;
    let path = "/grpc.health.v1.Health/Check";
    let all = s.unary(path, None, &HealthCheckRequest::default()).await;
    assert_eq!(HealthCheckResponse::decode(&all.body[..]).unwrap().status(), ServingStatus::Serving);
    let orders = HealthCheckRequest { service: "orderflow.v1.OrderService".into() };
    assert_eq!(
        HealthCheckResponse::decode(&s.unary(path, None, &orders).await.body[..]).unwrap().status(),
        ServingStatus::Serving
    );
    let unknown = s.unary(path, None, &HealthCheckRequest { service: "nope.v1.Nothing".into() }).await;
    assert_eq!(serde_json::from_slice::<Value>(&unknown.body).unwrap()["code"], "not_found");

    s.h.platform.kv.set_outage(true);
    let down = s.unary(path, None, &HealthCheckRequest::default()).await;
    assert_eq!(HealthCheckResponse::decode(&down.body[..]).unwrap().status(), ServingStatus::NotServing);
}

#[test]
fn every_method_in_the_protos_is_routed_and_every_route_is_a_method() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../proto");
    let files = protox::compile(
        ["orderflow/v1/orders.proto", "orderflow/v1/catalog.proto", "grpc/health/v1/health.proto"],
        [root],
    )
    .expect("the protos compile");
    let mut declared: Vec<String> = files
        .file
        .iter()
        .flat_map(|file| {
            file.service.iter().flat_map(move |service| {
                service
                    .method
                    .iter()
                    .map(move |method| format!("/{}.{}/{}", file.package(), service.name(), method.name()))
            })
        })
        .collect();
    let mut routed: Vec<String> = rpc::router().templates().map(str::to_owned).collect();
    declared.sort();
    routed.sort();
    assert_eq!(routed, declared);
}
