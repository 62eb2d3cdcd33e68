//! Webhooks end to end through the native adapters: registration and the SSRF guard, signed
//! deliveries of REST changes, retries on the schedule, the breaker, dead letters and replay,
//! a hanging receiver, the sweep.

use base64ct::{Base64, Encoding};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use testkit::{Harness, code};
use web::Router;
use web::ports::sql::Statement;
use web::ports::{Clock, PortError, Sql};

const HOOK: &str = "https://hooks.example.com/orderflow";

struct Shop {
    h: Harness,
    staff: String,
    alice: String,
    bob: String,
    widget: String,
}

async fn shop() -> Shop {
    let h = Harness::with_router(
        Router::new()
            .merge(webhooks::router())
            .merge(webhooks::job_router())
            .merge(orders::router())
            .merge(products::router())
            .merge(customers::router()),
    )
    .await;
    // A short, readable schedule: 1 s doubling to 8 s, 4 attempts, breaker after 3 failures.
    for (name, value) in [
        ("webhook_backoff_base_ms", "1000"),
        ("webhook_backoff_max_ms", "8000"),
        ("webhook_max_attempts", "4"),
        ("webhook_breaker_failures", "3"),
        ("webhook_breaker_cooldown_ms", "60000"),
        ("webhook_timeout_ms", "2000"),
    ] {
        h.platform.config.set_var(name, value);
    }
    let (_, staff) = h.user_with_roles("staff@example.com", "customer staff").await;
    let alice = h.shopper("Alice", "alice@example.com").await;
    let bob = h.shopper("Bob", "bob@example.com").await;
    let product = json!({"sku": "W", "name": "Widget", "price_minor": 1999, "currency": "EUR", "stock": 50});
    let (status, created, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&product)).await;
    assert_eq!(status, 201, "{created}");
    let widget = created["id"].as_str().unwrap().to_owned();
    h.platform.background.run_all().await;
    Shop { h, staff, alice, bob, widget }
}

impl Shop {
    async fn register(&self, token: &str, types: Value) -> Value {
        let (status, body, _) = self
            .h
            .send("POST", "/v2/webhooks", Some(token), &[], Some(&json!({"url": HOOK, "event_types": types})))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    async fn order(&self, token: &str) -> String {
        let body = json!({"items": [{"product_id": self.widget, "quantity": 1}]});
        let (status, order, _) = self.h.send("POST", "/v2/orders", Some(token), &[], Some(&body)).await;
        assert_eq!(status, 201, "{order}");
        order["id"].as_str().unwrap().to_owned()
    }

    /// Runs what the responses left in the background, then the delivery runs they queued
    /// (as the queue consumer, or Spin's job runner, would).
    async fn settle(&self) {
        self.h.platform.background.run_all().await;
        let jobs = self.h.platform.jobs.take();
        assert!(jobs.iter().all(|job| job == webhook_delivery::JOB), "{jobs:?}");
        if !jobs.is_empty() {
            self.run().await;
        }
    }

    async fn run(&self) -> webhook_delivery::Summary {
        webhook_delivery::run(&self.h.platform.platform()).await.expect("a delivery run")
    }

    async fn deliveries(&self, token: &str, endpoint: &str) -> Vec<Value> {
        let (status, body) = self.h.get(&format!("/v2/webhooks/{endpoint}/deliveries"), token).await;
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    async fn delivery_row(&self, id: &str) -> (i64, i64) {
        let rows = self
            .h
            .platform
            .sql
            .query(&Statement::new("SELECT attempts, next_attempt_at FROM webhook_deliveries WHERE id = ?1").bind(id))
            .await
            .unwrap();
        (rows[0].get("attempts").unwrap(), rows[0].get("next_attempt_at").unwrap())
    }
}

fn answer(status: u16) -> Result<http::Response<Bytes>, PortError> {
    Ok(http::Response::builder().status(status).body(Bytes::new()).unwrap())
}

/// Verifies a delivery as a receiver would (Standard Webhooks v1).
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let key = Base64::decode_vec(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", Base64::encode_string(&mac.finalize().into_bytes()));
    signature.split(' ').any(|candidate| candidate == expected)
}

#[tokio::test]
async fn registration_checks_targets_and_types_and_shows_the_secret_once() {
    let s = shop().await;
    for (url, why) in [
        ("http://hooks.example.com/x", "plain http"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://169.254.169.254/latest", "link-local metadata"),
        ("https://10.0.0.5/x", "private"),
        ("https://localhost/x", "localhost"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
    ] {
        let body = json!({"url": url, "event_types": ["*"]});
        let (status, problem, _) = s.h.send("POST", "/v2/webhooks", Some(&s.alice), &[], Some(&body)).await;
        assert_eq!((status, code(&problem)), (422, "invalid_webhook"), "{why}");
    }
    let body = json!({"url": HOOK, "event_types": ["order.shipped_to_mars"]});
    let (status, _, _) = s.h.send("POST", "/v2/webhooks", Some(&s.alice), &[], Some(&body)).await;
    assert_eq!(status, 422, "unknown event type");

    let created = s.register(&s.alice, json!(["order.created", "order.created"])).await;
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["event_types"], json!(["order.created"]), "deduplicated");
    let (status, listed) = s.h.get("/v2/webhooks", &s.alice).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"][0]["id"], created["id"]);
    assert!(listed["items"][0].get("secret").is_none(), "never shown again");
    let stored: Vec<String> =
        s.h.platform
            .sql
            .query(&Statement::new("SELECT secret_sealed FROM webhooks"))
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("secret_sealed").unwrap())
            .collect();
    assert!(!stored[0].contains(created["secret"].as_str().unwrap().trim_start_matches("whsec_")), "stored sealed");

    // Bob cannot see or delete Alice's endpoint.
    let id = created["id"].as_str().unwrap();
    let (status, _, _) = s.h.send("DELETE", &format!("/v2/webhooks/{id}"), Some(&s.bob), &[], None).await;
    assert_eq!(status, 404);
    let (status, _) = s.h.get(&format!("/v2/webhooks/{id}/deliveries"), &s.bob).await;
    assert_eq!(status, 404);
    let (status, _, _) = s.h.send("DELETE", &format!("/v2/webhooks/{id}"), Some(&s.alice), &[], None).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn a_rest_change_is_delivered_signed_to_the_owners_endpoint_only() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(204));
    let alices = s.register(&s.alice, json!(["*"])).await;
    let secret = alices["secret"].as_str().unwrap();
    let order = s.order(&s.alice).await;
    s.order(&s.bob).await; // not Alice's: never sent to her endpoint
    s.settle().await;

    let bodies = s.h.platform.http.sent_bodies(HOOK);
    assert_eq!(bodies.len(), 1, "exactly Alice's order");
    let body: Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(body["type"], "order.created");
    assert_eq!(body["data"]["id"], order.as_str());
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    let id = s.h.platform.http.sent_header("webhook-id")[0].clone().unwrap();
    let timestamp = s.h.platform.http.sent_header("webhook-timestamp")[0].clone().unwrap();
    let signature = s.h.platform.http.sent_header("webhook-signature")[0].clone().unwrap();
    assert!(verify(secret, &id, &timestamp, &bodies[0], &signature), "a receiver can verify it");
    assert!(!verify(secret, &id, &timestamp, b"{}", &signature), "and the body is covered");

    let items = s.deliveries(&s.alice, alices["id"].as_str().unwrap()).await;
    assert_eq!((items[0]["state"].as_str(), items[0]["attempts"].as_i64()), (Some("delivered"), Some(1)));
    assert_eq!(s.run().await.fanned_out, 0, "nothing is fanned out twice");
}

#[tokio::test]
async fn failures_retry_with_jitter_open_the_breaker_then_dead_letter_and_replay() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(500));
    let staffs = s.register(&s.staff, json!(["order.created"])).await;
    let endpoint = staffs["id"].as_str().unwrap().to_owned();
    s.order(&s.alice).await;
    s.settle().await;
    assert_eq!(s.h.platform.http.sent_count(), 1, "the first attempt follows the write");
    let id = s.h.platform.http.sent_header("webhook-id")[0].clone().unwrap();

    // Each retry waits at most base × 2^(n-1) (full jitter), and carries the same webhook-id.
    for (made, ceiling) in [(1, 1000), (2, 2000)] {
        let (attempts, next) = s.delivery_row(&id).await;
        assert_eq!(attempts, made);
        let now = s.h.platform.clock.now_millis();
        assert!((now..=now + ceiling).contains(&next), "next attempt within {ceiling} ms: {}", next - now);
        s.h.platform.clock.set(next);
        let summary = s.run().await;
        assert_eq!(summary.failed, 1);
    }
    assert!(s.h.platform.http.sent_header("webhook-id").iter().all(|sent| sent.as_deref() == Some(id.as_str())));

    // Three failures in a row opened the breaker: the next due attempt is deferred, not sent.
    let (status, listed) = s.h.get("/v2/webhooks", &s.staff).await;
    assert_eq!((status, listed["items"][0]["breaker"].as_str()), (200, Some("open")));
    let (_, next) = s.delivery_row(&id).await;
    s.h.platform.clock.set(next);
    let sent = s.h.platform.http.sent_count();
    assert_eq!(s.run().await.deferred, 1);
    assert_eq!(s.h.platform.http.sent_count(), sent, "an open breaker sends nothing");

    // After the cool-down one probe goes out; it fails: the fourth and last attempt, dead.
    s.h.platform.clock.advance(60_000);
    let summary = s.run().await;
    assert_eq!((summary.failed, s.h.platform.http.sent_count()), (1, sent + 1));
    let items = s.deliveries(&s.staff, &endpoint).await;
    assert_eq!((items[0]["state"].as_str(), items[0]["attempts"].as_i64()), (Some("dead"), Some(4)));
    assert_eq!(items[0]["last_status"], 500);
    // (Ten minutes: far past any retry, within the staff's access-token lifetime.)
    s.h.platform.clock.advance(600_000);
    assert_eq!(s.run().await, webhook_delivery::Summary::default(), "a dead delivery is left alone");

    // The receiver is fixed; a replay delivers with the same id, and closes the breaker.
    s.h.platform.http.respond_with(|_| answer(200));
    let (status, _, _) =
        s.h.send("POST", &format!("/v2/webhooks/{endpoint}/deliveries/{id}/replay"), Some(&s.staff), &[], None).await;
    assert_eq!(status, 202);
    s.settle().await;
    let items = s.deliveries(&s.staff, &endpoint).await;
    assert_eq!(items[0]["state"], "delivered");
    assert_eq!(s.h.platform.http.sent_header("webhook-id").last().unwrap().as_deref(), Some(id.as_str()));
    let (_, listed) = s.h.get("/v2/webhooks", &s.staff).await;
    assert_eq!(listed["items"][0]["breaker"], "closed");
    let (status, _, _) =
        s.h.send("POST", &format!("/v2/webhooks/{endpoint}/deliveries/nope/replay"), Some(&s.staff), &[], None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_hanging_receiver_times_out_and_is_retried() {
    let s = shop().await;
    s.h.platform.http.hang();
    let endpoint = s.register(&s.alice, json!(["order.created"])).await["id"].as_str().unwrap().to_owned();
    s.order(&s.alice).await;
    s.settle().await;
    let items = s.deliveries(&s.alice, &endpoint).await;
    assert_eq!((items[0]["state"].as_str(), items[0]["attempts"].as_i64()), (Some("pending"), Some(1)));
    assert!(items[0]["last_error"].as_str().unwrap().contains("timed out after 2000 ms"), "{}", items[0]);
}

#[tokio::test]
async fn the_sweep_needs_its_secret_and_runs_what_is_due() {
    let s = shop().await;
    let (status, _, _) = s.h.send("POST", "/v2/webhooks/sweep", None, &[], None).await;
    assert_eq!(status, 404, "no secret configured: no sweep");
    s.h.platform.config.set_secret("webhook_sweep_secret", "a long sweep secret");
    let (status, body, _) = s.h.send("POST", "/v2/webhooks/sweep", None, &[], None).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    let (status, _, _) = s.h.send("POST", "/v2/webhooks/sweep", None, &[("authorization", "Bearer wrong")], None).await;
    assert_eq!(status, 401);

    // A delivery whose first attempt failed is retried by the sweep once due.
    s.h.platform.http.respond_with(|_| answer(503));
    s.register(&s.alice, json!(["*"])).await;
    s.order(&s.alice).await;
    s.settle().await;
    s.h.platform.http.respond_with(|_| answer(200));
    s.h.platform.clock.advance(1_000);
    let (status, summary, _) =
        s.h.send("POST", "/v2/webhooks/sweep", None, &[("authorization", "Bearer a long sweep secret")], None).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["delivered"], 1);
    assert_eq!(s.h.platform.http.sent_count(), 2);
}

#[tokio::test]
async fn a_write_queues_a_delivery_run_which_the_job_route_runs() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(200));
    s.register(&s.alice, json!(["order.created"])).await;
    s.settle().await;
    s.order(&s.alice).await;
    s.h.platform.background.run_all().await;
    assert_eq!(s.h.platform.jobs.take(), [webhook_delivery::JOB], "the order queued one run");
    assert_eq!(s.h.platform.http.sent_count(), 0, "and delivered nothing itself");
    let (status, summary, _) = s.h.send("POST", "/internal/jobs/webhooks.run", None, &[], None).await;
    assert_eq!((status, summary["delivered"].as_i64()), (200, Some(1)), "{summary}");
    assert_eq!(s.h.platform.http.sent_count(), 1);
    let (status, _, _) = s.h.send("POST", "/internal/jobs/unknown", None, &[], None).await;
    assert_eq!(status, 404, "only known jobs run");
}

#[tokio::test]
async fn instances_racing_over_the_same_events_deliver_each_once_under_one_id() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(200));
    s.register(&s.alice, json!(["order.created"])).await;
    // Two orders whose first runs are lost (nothing runs the background), then three
    // instances run at once, interleaving at every SQL call.
    s.order(&s.alice).await;
    s.order(&s.alice).await;
    let racing = || testkit::YieldingSql::platform(s.h.platform.platform());
    let (a, b, c) = (racing(), racing(), racing());
    let (a, b, c) = tokio::join!(webhook_delivery::run(&a), webhook_delivery::run(&b), webhook_delivery::run(&c));
    let runs = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(runs.iter().map(|r| r.fanned_out).sum::<usize>(), 2, "{runs:?}");
    assert_eq!(runs.iter().map(|r| r.delivered).sum::<usize>(), 2, "{runs:?}");
    let ids = s.h.platform.http.sent_header("webhook-id");
    assert_eq!(ids.len(), 2, "each event sent once");
    assert_ne!(ids[0], ids[1], "one id per event");
    s.settle().await; // the writes' own runs, late: nothing left to send
    assert_eq!(s.h.platform.http.sent_count(), 2);
}

#[tokio::test]
async fn an_endpoint_gets_no_more_than_its_registering_key_or_its_owners_current_roles_allow() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(500));
    // A staff key scoped to reading orders registers: its endpoint gets the staff member's own
    // orders, not everyone's (which the staff role alone would allow).
    let (status, key) =
        s.h.json("POST", "/v1/api-keys", Some(&s.staff), json!({"name": "hooks", "scopes": ["orders:read"]})).await;
    assert_eq!(status, 201, "{key}");
    let key = key["api_key"].as_str().unwrap().to_owned();
    let body = json!({"url": HOOK, "event_types": ["*"]});
    let (status, _, _) = s.h.send("POST", "/v2/webhooks", None, &[("x-api-key", &key)], Some(&body)).await;
    assert_eq!(status, 201);
    // And a full staff endpoint, whose owner is demoted before the retry.
    let wide = s.register(&s.staff, json!(["order.created"])).await["id"].as_str().unwrap().to_owned();
    s.order(&s.alice).await;
    s.settle().await;
    assert_eq!(s.h.platform.http.sent_count(), 1, "only the wide endpoint's first attempt");

    s.h.platform
        .sql
        .run(&Statement::new("UPDATE users SET roles = 'customer' WHERE email = 'staff@example.com'"))
        .await
        .unwrap();
    s.h.platform.clock.advance(2_000);
    s.h.platform.http.respond_with(|_| answer(200));
    let summary = s.run().await;
    assert_eq!((summary.delivered, s.h.platform.http.sent_count()), (0, 1), "nothing more is sent: {summary:?}");
    let rows =
        s.h.platform
            .sql
            .query(
                &Statement::new("SELECT state, last_error FROM webhook_deliveries WHERE webhook_id = ?1")
                    .bind(wide.as_str()),
            )
            .await
            .unwrap();
    assert_eq!(rows[0].get::<String>("state").unwrap(), "dead");
    assert!(rows[0].get::<String>("last_error").unwrap().contains("no longer see"));
}

#[tokio::test]
async fn events_and_finished_deliveries_age_out_after_the_retention_period() {
    let s = shop().await;
    s.h.platform.http.respond_with(|_| answer(200));
    let endpoint = s.register(&s.alice, json!(["*"])).await["id"].as_str().unwrap().to_owned();
    s.order(&s.alice).await;
    s.settle().await;
    let count = |table: &'static str| {
        let sql = s.h.platform.sql.clone();
        async move {
            let rows = sql.query(&Statement::new(format!("SELECT COUNT(*) AS n FROM {table}"))).await.unwrap();
            rows[0].get::<i64>("n").unwrap()
        }
    };
    let (events, deliveries) = (count("events").await, count("webhook_deliveries").await);
    assert!(events > 0 && deliveries == 1, "{events} events, {deliveries} deliveries");
    // Eight days on (a multiple of 64 ms: this call prunes), with the default week of retention.
    s.h.platform
        .clock
        .set(s.h.platform.clock.now_millis() + 8 * 86_400_000 - s.h.platform.clock.now_millis().rem_euclid(64));
    webhook_delivery::after_change(&s.h.platform.platform());
    s.settle().await;
    assert_eq!((count("events").await, count("webhook_deliveries").await), (0, 0));
    let (status, _) =
        s.h.get(&format!("/v2/webhooks/{endpoint}/deliveries"), &s.h.user("carol@example.com").await).await;
    assert_eq!(status, 404, "the endpoint is Alice's");
}
