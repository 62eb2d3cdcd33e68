//! Server-Sent Events end to end through the native adapters: orders, products and customers
//! mounted beside the streams, chunks read as a client would.

use serde_json::{Value, json};
use testkit::{Shop, code};
use web::Body;
use web::Router;
use web::ports::Sql;
use web::ports::sql::Statement;

async fn shop() -> Shop {
    let router = Router::new()
        .merge(events::router())
        .merge(orders::router())
        .merge(products::router())
        .merge(customers::router());
    Shop::open(router, 5).await
}

/// What the tests do in the shop.
trait Actions {
    /// Places an order of the widget; its id.
    async fn order(&self, token: &str, quantity: i64) -> String;
    /// Moves an order's status through REST.
    async fn set_status(&self, token: &str, order: &str, status: &str);
    async fn open(&self, uri: &str, token: &str, last_event_id: Option<&str>) -> Body;
    /// Events in the outbox.
    async fn event_count(&self) -> i64;
}

impl Actions for Shop {
    async fn order(&self, token: &str, quantity: i64) -> String {
        let body = json!({"items": [{"product_id": self.widget, "quantity": quantity}]});
        let (status, order, _) = self.h.send("POST", "/v2/orders", Some(token), &[], Some(&body)).await;
        assert_eq!(status, 201, "{order}");
        order["id"].as_str().unwrap().to_owned()
    }

    async fn set_status(&self, token: &str, order: &str, status: &str) {
        let (code, body, _) = self
            .h
            .send("PATCH", &format!("/v2/orders/{order}"), Some(token), &[], Some(&json!({"status": status})))
            .await;
        assert_eq!(code, 200, "{body}");
    }

    async fn open(&self, uri: &str, token: &str, last_event_id: Option<&str>) -> Body {
        let headers: Vec<(&str, &str)> = last_event_id.map(|id| ("last-event-id", id)).into_iter().collect();
        let (status, _, response) = self.h.send("GET", uri, Some(token), &headers, None).await;
        assert_eq!(status, 200, "{uri}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let mut body = response.into_body();
        assert!(body.full().is_none(), "a stream, not a buffered body");
        assert_eq!(next(&mut body).await.as_deref(), Some("retry: 2000\n: connected\n\n"));
        body
    }

    async fn event_count(&self) -> i64 {
        let rows = self.h.platform.sql.query(&Statement::new("SELECT COUNT(*) AS n FROM events")).await.unwrap();
        rows[0].get("n").unwrap()
    }
}

async fn next(body: &mut Body) -> Option<String> {
    body.next_chunk().await.map(|chunk| String::from_utf8(chunk.to_vec()).expect("UTF-8"))
}

/// The events of a chunk, parsed as an `EventSource` would: (id, type, data).
fn parse(chunk: &str) -> Vec<(String, String, Value)> {
    chunk
        .split("\n\n")
        .filter(|frame| frame.lines().any(|line| line.starts_with("data:")))
        .map(|frame| {
            let field = |name: &str| {
                frame
                    .lines()
                    .filter_map(|line| line.strip_prefix(name))
                    .map(str::trim_start)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (field("id:"), field("event:"), serde_json::from_str(&field("data:")).expect("JSON data"))
        })
        .collect()
}

#[tokio::test]
async fn an_order_stream_sends_each_change_and_resumes_after_last_event_id() {
    let s = shop().await;
    let order = s.order(&s.alice, 2).await;
    let uri = format!("/v2/orders/{order}/events");
    let mut stream = s.open(&uri, &s.alice, None).await;

    s.set_status(&s.staff, &order, "processing").await;
    let first = parse(&next(&mut stream).await.unwrap());
    assert_eq!(first.len(), 1, "only what happened after connecting");
    let (first_id, kind, data) = &first[0];
    assert_eq!(kind, "order.status_changed");
    assert_eq!(data["id"], order.as_str());
    assert_eq!(data["status"], "processing");
    assert_eq!(data["total"]["amount"], "39.98", "the order as v2 renders it");
    assert_eq!(data["items"].as_array().map(Vec::len), Some(1), "with its lines");

    s.set_status(&s.staff, &order, "shipped").await;
    let second = parse(&next(&mut stream).await.unwrap());
    assert_eq!(second[0].2["status"], "shipped");
    assert!(second[0].0.parse::<i64>().unwrap() > first_id.parse::<i64>().unwrap(), "ids increase");

    // A reconnecting client names the last event it saw and gets what followed, in order.
    let mut resumed = s.open(&uri, &s.alice, Some(first_id)).await;
    let replayed = parse(&next(&mut resumed).await.unwrap());
    assert_eq!(replayed.iter().map(|e| e.2["status"].clone()).collect::<Vec<_>>(), [json!("shipped")]);
    // From the start: the creation too.
    let mut from_zero = s.open(&uri, &s.alice, Some("0")).await;
    let all = parse(&next(&mut from_zero).await.unwrap());
    let kinds: Vec<&str> = all.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(kinds, ["order.created", "order.status_changed", "order.status_changed"]);
}

#[tokio::test]
async fn a_customer_feed_holds_only_their_own_orders_and_staff_see_every_change() {
    let s = shop().await;
    let mut alices = s.open("/v2/events", &s.alice, None).await;
    let mut staffs = s.open("/v2/events", &s.staff, None).await;

    let bobs_order = s.order(&s.bob, 1).await;
    let (status, _, _) = s
        .h
        .send("PATCH", &format!("/v2/products/{}", s.widget), Some(&s.staff), &[], Some(&json!({"name": "Widget 2"})))
        .await;
    assert_eq!(status, 200);
    let alices_order = s.order(&s.alice, 1).await;

    // Bob's order and the product change are not Alice's: her first event is her own order.
    let seen = parse(&next(&mut alices).await.unwrap());
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!((seen[0].1.as_str(), seen[0].2["id"].as_str()), ("order.created", Some(alices_order.as_str())));

    let seen = parse(&next(&mut staffs).await.unwrap());
    let kinds: Vec<(&str, &str)> = seen.iter().map(|e| (e.1.as_str(), e.2["id"].as_str().unwrap())).collect();
    assert_eq!(
        kinds,
        [
            ("order.created", bobs_order.as_str()),
            ("product.updated", s.widget.as_str()),
            ("order.created", alices_order.as_str())
        ]
    );
}

#[tokio::test]
async fn a_revoked_session_ends_the_stream_at_the_next_read() {
    let s = shop().await;
    let order = s.order(&s.alice, 1).await;
    let mut stream = s.open(&format!("/v2/orders/{order}/events"), &s.alice, None).await;
    let (status, _, _) = s.h.send("POST", "/v1/auth/logout", Some(&s.alice), &[], None).await;
    assert_eq!(status, 204);
    s.set_status(&s.staff, &order, "processing").await;
    assert_eq!(next(&mut stream).await.as_deref(), Some("event: end\ndata: {\"reason\":\"unauthorized\"}\n\n"));
    assert_eq!(next(&mut stream).await, None, "nothing after the end");
}

#[tokio::test]
async fn an_idle_stream_sends_heartbeats_and_ends_after_its_lifetime() {
    let s = shop().await;
    s.h.platform.config.set_var("events_heartbeat_seconds", "15");
    s.h.platform.config.set_var("events_stream_lifetime_seconds", "60");
    let mut stream = s.open("/v2/events", &s.alice, None).await;
    s.h.platform.clock.advance(15_000);
    assert_eq!(next(&mut stream).await.as_deref(), Some(": heartbeat\n\n"));
    s.h.platform.clock.advance(45_000);
    assert_eq!(next(&mut stream).await, None, "the server ends it; the client reconnects");
}

#[tokio::test]
async fn streams_refuse_strangers_other_peoples_orders_and_bad_positions() {
    let s = shop().await;
    let order = s.order(&s.alice, 1).await;
    let uri = format!("/v2/orders/{order}/events");
    let (status, body, _) = s.h.send("GET", &uri, None, &[], None).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    let (status, body, _) = s.h.send("GET", &uri, Some(&s.bob), &[], None).await;
    assert_eq!((status, code(&body)), (404, "not_found"), "another customer's order does not exist for them");
    let (status, _, _) = s.h.send("GET", "/v2/orders/nope/events", Some(&s.alice), &[], None).await;
    assert_eq!(status, 404);
    for bad in ["-1", "abc", "1.5"] {
        let (status, body, _) = s.h.send("GET", "/v2/events", Some(&s.alice), &[("last-event-id", bad)], None).await;
        assert_eq!((status, code(&body)), (400, "invalid_last_event_id"), "{bad}");
    }
    // Staff may follow anyone's order.
    s.open(&uri, &s.staff, None).await;
}

#[tokio::test]
async fn a_failed_write_leaves_no_event_and_every_change_leaves_one() {
    let s = shop().await;
    let before = s.event_count().await;
    let body = json!({"items": [{"product_id": s.widget, "quantity": 6}]});
    let (status, _, _) = s.h.send("POST", "/v2/orders", Some(&s.alice), &[], Some(&body)).await;
    assert_eq!(status, 409, "more than the stock");
    assert_eq!(s.event_count().await, before, "no order, no event");

    let order = s.order(&s.alice, 1).await;
    s.set_status(&s.alice, &order, "cancelled").await;
    let (status, _, _) =
        s.h.send("PATCH", &format!("/v2/orders/{order}"), Some(&s.alice), &[], Some(&json!({"status": "pending"})))
            .await;
    assert_eq!(status, 403, "a refused move writes nothing");
    let rows = s
        .h
        .platform
        .sql
        .query(&Statement::new("SELECT type, owner_id FROM events WHERE subject = ?1 ORDER BY id").bind(order.as_str()))
        .await
        .unwrap();
    let kinds: Vec<String> = rows.iter().map(|r| r.get("type").unwrap()).collect();
    assert_eq!(kinds, ["order.created", "order.status_changed"]);
    assert_eq!(s.event_count().await, before + 2);
}

/// Fails every batch that writes an outbox event, as a database going away mid-write would.
struct FailingEventWrites(std::rc::Rc<dyn Sql>);

#[async_trait::async_trait(?Send)]
impl Sql for FailingEventWrites {
    async fn run(&self, statement: &Statement) -> Result<web::ports::sql::StatementResult, web::ports::PortError> {
        self.0.run(statement).await
    }

    async fn batch(
        &self,
        statements: &[Statement],
    ) -> Result<Vec<web::ports::sql::StatementResult>, web::ports::PortError> {
        if statements.iter().any(|s| s.sql.contains("INSERT INTO events")) {
            return Err(web::ports::PortError::unavailable("injected: the database went away"));
        }
        self.0.batch(statements).await
    }
}

#[tokio::test]
async fn an_injected_sql_failure_leaves_neither_the_change_nor_its_event() {
    let s = shop().await;
    let order = s.order(&s.alice, 1).await;
    let events = s.event_count().await;
    let mut broken = s.h.platform.platform();
    broken.sql = std::rc::Rc::new(FailingEventWrites(broken.sql.clone()));

    let body = json!({"items": [{"product_id": s.widget, "quantity": 1}]});
    let (status, problem, response) =
        s.h.send_on(broken.clone(), "POST", "/v2/orders", Some(&s.alice), &[], Some(&body)).await;
    assert_eq!((status, code(&problem)), (503, "service_unavailable"));
    assert!(response.headers().contains_key("retry-after"));
    let (status, _, _) =
        s.h.send_on(
            broken,
            "PATCH",
            &format!("/v2/orders/{order}"),
            Some(&s.staff),
            &[],
            Some(&json!({"status": "processing"})),
        )
        .await;
    assert_eq!(status, 503);

    assert_eq!(s.event_count().await, events, "no event");
    let (_, listed) = s.h.get("/v2/orders", &s.alice).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "no second order");
    let (_, current) = s.h.get(&format!("/v2/orders/{order}"), &s.alice).await;
    assert_eq!(current["status"], "pending", "no status change");
}

/// A key-value store that is down.
struct DownKv;

#[async_trait::async_trait(?Send)]
impl web::ports::Kv for DownKv {
    async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, web::ports::PortError> {
        Err(web::ports::PortError::unavailable("injected: KV down"))
    }
    async fn put(&self, _: &str, _: &[u8], _: Option<std::time::Duration>) -> Result<(), web::ports::PortError> {
        Err(web::ports::PortError::unavailable("injected: KV down"))
    }
    async fn delete(&self, _: &str) -> Result<(), web::ports::PortError> {
        Err(web::ports::PortError::unavailable("injected: KV down"))
    }
    async fn list(&self, _: &str, _: Option<&str>, _: u32) -> Result<web::ports::kv::KeyPage, web::ports::PortError> {
        Err(web::ports::PortError::unavailable("injected: KV down"))
    }
}

#[tokio::test]
async fn with_the_cache_store_down_a_write_still_makes_exactly_one_event() {
    let s = shop().await;
    let events = s.event_count().await;
    let mut degraded = s.h.platform.platform();
    degraded.kv = std::rc::Rc::new(DownKv);
    let body = json!({"items": [{"product_id": s.widget, "quantity": 1}]});
    let (status, order, _) = s.h.send_on(degraded, "POST", "/v2/orders", Some(&s.alice), &[], Some(&body)).await;
    // The write is one SQL batch; the catalogue cache's invalidation is best effort (logged).
    assert_eq!(status, 201, "{order}");
    assert_eq!(s.event_count().await, events + 1);
    assert!(s.h.platform.log.lines().iter().any(|line| line.contains("cache_degraded")), "the degradation is logged");
}
