//! Rate limiting through the native adapters: exact counters in SQL, KV approximation,
//! headers, 429s, failure policies, and agreement between the SQL and Rust arithmetic.

use bytes::Bytes;
use ports::counters::{Algorithm, Counters, LimitSpec, SqlCounters, apply};
use ratelimit::{IgnoredCredentials, RateLimitLayer, VerifiedCredentials};
use testkit::{Harness, code};
use web::ports::sql::Statement;
use web::ports::{Kv, Sql};
use web::{App, ClientIp};

fn rules(json: &str) -> String {
    json.replace('\'', "\"")
}

async fn harness(rule_json: &str) -> Harness {
    let h = Harness::with_router(health::router()).await;
    h.platform.config.set_var("rate_limit_rules", &rules(rule_json));
    h
}

#[tokio::test]
async fn exact_sliding_window_counts_down_then_refuses_with_retry_after() {
    let h = harness("[{'name': 'probe', 'routes': ['/health'], 'key': ['ip'], 'algorithm': 'sliding_window', 'limit': 3, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}]").await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (status, _, response) = h.call("GET", "/health", &[], b"").await;
        assert_eq!(status, 200);
        assert_eq!(response.headers()["ratelimit-policy"], "\"probe\";q=3;w=60");
        remaining.push(response.headers()["ratelimit"].to_str().unwrap().to_owned());
    }
    assert!(remaining[0].starts_with("\"probe\";r=2;t="), "{remaining:?}");
    assert!(remaining[1].starts_with("\"probe\";r=1;"));
    assert!(remaining[2].starts_with("\"probe\";r=0;"));
    let (status, problem, response) = h.call("GET", "/health", &[], b"").await;
    assert_eq!((status, code(&problem)), (429, "rate_limited"));
    assert_eq!(problem["rate_limit_rule"], "probe");
    let retry_after: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=120).contains(&retry_after), "{retry_after}");
    assert!(response.headers().contains_key("ratelimit"), "429s carry the headers too");
    // Routes the rule does not cover are not limited.
    assert_eq!(h.call("GET", "/ready", &[], b"").await.0, 200);
    // Honouring Retry-After works.
    h.platform.clock.advance(retry_after * 1000);
    assert_eq!(h.call("GET", "/health", &[], b"").await.0, 200);
}

#[tokio::test]
async fn user_keyed_token_buckets_are_per_user_and_skip_anonymous_calls() {
    let h = harness("[{'name': 'me', 'routes': ['/v1/users/me'], 'key': ['user'], 'algorithm': 'token_bucket', 'limit': 2, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}]").await;
    let alice = h.user("alice@example.com").await;
    let bob = h.user("bob@example.com").await;
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 429);
    assert_eq!(h.get("/v1/users/me", &bob).await.0, 200, "another user has their own bucket");
    // A forged token does not get a key (so it cannot spend anyone's quota): it reaches the
    // handler and is refused there.
    assert_eq!(h.get("/v1/users/me", "forged.token.value").await.0, 401);
    // One token refills every 30 s.
    h.platform.clock.advance(30_000);
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 429);
}

#[tokio::test]
async fn a_unit_that_ignores_credentials_keys_by_ip_only() {
    let h = harness("[{'name': 'per-user', 'routes': ['/health'], 'key': ['user'], 'algorithm': 'token_bucket', 'limit': 1, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}, {'name': 'per-ip', 'routes': ['/health'], 'key': ['ip'], 'algorithm': 'token_bucket', 'limit': 3, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}]").await;
    let bearer = format!("Bearer {}", h.user("alice@example.com").await);
    let health = |ip: &str| {
        http::Request::get("/health")
            .header("authorization", &bearer)
            .extension(ClientIp(ip.to_owned()))
            .body(Bytes::new())
            .unwrap()
    };
    let statuses = async |app: &App, ip: &str| {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(h.platform.call(app, health(ip)).await.status().as_u16());
        }
        statuses
    };
    // What the health component runs: no token code, so the token yields no user key.
    let ignoring = App::new(health::router()).layer(RateLimitLayer::new(IgnoredCredentials));
    assert_eq!(statuses(&ignoring, "192.0.2.1").await, [200, 200, 200, 429], "only the per-IP rule applies");
    // The same token through a unit that verifies credentials meets the per-user limit first.
    let verifying = App::new(health::router()).layer(RateLimitLayer::new(VerifiedCredentials));
    assert_eq!(statuses(&verifying, "192.0.2.2").await, [200, 429, 429, 429]);
}

#[tokio::test]
async fn a_forged_api_key_with_a_real_prefix_spends_nobodys_quota() {
    let h = harness("[{'name': 'per-key', 'routes': ['/v1/users/me'], 'key': ['api_key'], 'algorithm': 'token_bucket', 'limit': 2, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}]").await;
    let alice = h.user("alice@example.com").await;
    let (status, created) = h
        .json("POST", "/v1/api-keys", Some(&alice), serde_json::json!({"name": "ci", "scopes": ["products:read"]}))
        .await;
    assert_eq!(status, 201);
    let key = created["api_key"].as_str().unwrap().to_owned();
    let (prefix, _) = key.rsplit_once('_').unwrap();
    let forged = format!("{prefix}_{}", "A".repeat(43));
    for _ in 0..3 {
        assert_eq!(h.get("/v1/users/me", &forged).await.0, 401);
    }
    assert_eq!(h.get("/v1/users/me", &key).await.0, 200, "the owner's quota is untouched");
    assert_eq!(h.get("/v1/users/me", &key).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &key).await.0, 429);
}

#[tokio::test]
async fn a_broken_exact_store_fails_closed_or_open_as_configured_and_logs() {
    for (policy, expected) in [("closed", 503), ("open", 200)] {
        let h = harness(&format!("[{{'name': 'probe', 'routes': ['/health'], 'key': ['ip'], 'algorithm': 'sliding_window', 'limit': 3, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': '{policy}'}}]")).await;
        h.platform.sql.run(&Statement::new("DROP TABLE rate_limits")).await.unwrap();
        let (status, body, response) = h.call("GET", "/health", &[], b"").await;
        assert_eq!(status, expected, "{policy}: {body}");
        if expected == 503 {
            assert_eq!(code(&body), "service_unavailable");
            assert!(response.headers().contains_key("retry-after"));
        }
        let warnings = h.platform.log.lines().into_iter().filter(|l| l.contains("rate_limit_store_failure")).count();
        assert_eq!(warnings, 1, "{policy}: never silent");
    }
}

#[tokio::test]
async fn approximate_store_admits_the_limit_per_window_in_one_instance_and_respects_kv_outage_policy() {
    let h = harness("[{'name': 'cheap', 'routes': ['/health'], 'key': ['ip'], 'algorithm': 'sliding_window', 'limit': 5, 'window_seconds': 60, 'store': 'approximate', 'on_store_failure': 'open'}]").await;
    let mut admitted = 0;
    for _ in 0..8 {
        if h.call("GET", "/health", &[], b"").await.0 == 200 {
            admitted += 1;
        }
        h.platform.background.run_all().await; // after the response
    }
    assert_eq!(admitted, 5);
    // The shared count reached KV (synced at most once a second, after the response).
    h.platform.clock.advance(1_000);
    let _ = h.call("GET", "/health", &[], b"").await;
    h.platform.background.run_all().await;
    let page = h.platform.kv.list("rl:cheap", None, 10).await.unwrap();
    assert_eq!(page.keys.len(), 1);
    let stored = String::from_utf8(h.platform.kv.get(&page.keys[0]).await.unwrap().unwrap()).unwrap();
    let (_window_start, count) = stored.split_once(':').unwrap();
    assert_eq!(count, "5");
    h.platform.kv.set_outage(true);
    h.platform.clock.advance(60_000);
    assert_eq!(h.call("GET", "/health", &[], b"").await.0, 200, "fail open");
}

/// xorshift64: deterministic pseudo-random numbers for the agreement test.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test]
async fn the_sql_upsert_and_the_rust_arithmetic_agree_on_random_traffic() {
    let sql = adapter_native::NativeSql::migrated().await;
    let counters = SqlCounters::new(sql.clone());
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    for round in 0..40 {
        let algorithm = if round % 2 == 0 { Algorithm::SlidingWindow } else { Algorithm::TokenBucket };
        let spec = LimitSpec {
            algorithm,
            limit: 1 + (next(&mut seed) % 7) as i64,
            window_ms: 100 + (next(&mut seed) % 2000) as i64,
        };
        let key = format!("agree-{round}");
        let mut state = None;
        let mut now = 1_767_225_600_000 + (next(&mut seed) % 10_000) as i64;
        for step in 0..60 {
            now += (next(&mut seed) % (spec.window_ms as u64 / 3 + 1)) as i64;
            // Now and then a request arrives after a later one (clocks read before awaits).
            let now = if step % 7 == 3 { now - (next(&mut seed) % 300) as i64 } else { now };
            let (next_state, expected) = apply(&spec, state, now);
            state = Some(next_state);
            let got = counters.acquire(&key, &spec, now).await.unwrap();
            assert_eq!(got, expected, "round {round} step {step} {spec:?} at {now}");
        }
    }
    let rows = sql.query(&Statement::new("SELECT COUNT(*) AS n FROM rate_limits")).await.unwrap();
    assert_eq!(rows[0].get::<i64>("n").unwrap(), 40);
}

#[tokio::test]
async fn idle_sql_counters_are_pruned_now_and_then() {
    let sql = adapter_native::NativeSql::migrated().await;
    let counters = SqlCounters::new(sql.clone());
    let spec = LimitSpec { algorithm: Algorithm::TokenBucket, limit: 5, window_ms: 60_000 };
    let day = 86_400_000;
    let now = 1_767_225_600_000 + 256 * 1000; // a multiple of 256: this call prunes
    counters.acquire("old-visitor", &spec, now - 3 * day).await.unwrap();
    counters.acquire("recent-visitor", &spec, now - day).await.unwrap();
    counters.acquire("caller", &spec, now).await.unwrap();
    let rows = sql.query(&Statement::new("SELECT key FROM rate_limits ORDER BY key")).await.unwrap();
    let keys: Vec<String> = rows.iter().map(|r| r.get("key").unwrap()).collect();
    assert_eq!(keys, ["caller", "recent-visitor"], "counters idle for over two days are gone");
}

/// A counter store that never answers.
struct HungCounters;

#[async_trait::async_trait(?Send)]
impl Counters for HungCounters {
    async fn acquire(
        &self,
        _: &str,
        _: &LimitSpec,
        _: i64,
    ) -> Result<ports::counters::Decision, web::ports::PortError> {
        std::future::pending().await
    }
}

/// Drives `future` to completion, or gives up after `max_polls` polls (a hang fails the test
/// instead of blocking it).
async fn at_most<F: std::future::Future>(max_polls: u32, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut polls = 0;
    std::future::poll_fn(|cx| {
        polls += 1;
        match future.as_mut().poll(cx) {
            std::task::Poll::Ready(output) => std::task::Poll::Ready(Some(output)),
            _ if polls >= max_polls => std::task::Poll::Ready(None),
            _ => {
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_store_that_does_not_answer_times_out_into_the_failure_policy() {
    for (policy, expected) in [("closed", 503), ("open", 200)] {
        let h = harness(&format!("[{{'name': 'probe', 'routes': ['/health'], 'key': ['ip'], 'algorithm': 'sliding_window', 'limit': 3, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': '{policy}', 'store_timeout_ms': 50}}]")).await;
        let mut platform = h.platform.platform();
        platform.counters = std::rc::Rc::new(HungCounters);
        let request = http::Request::get("/health")
            .extension(ClientIp(testkit::CLIENT_IP.to_owned()))
            .body(Bytes::new())
            .unwrap();
        let response = at_most(1000, h.app.handle(request, platform)).await.expect("the request does not hang");
        assert_eq!(response.status(), expected, "{policy}");
        let warnings: Vec<String> =
            h.platform.log.lines().into_iter().filter(|l| l.contains("rate_limit_store_failure")).collect();
        assert_eq!(warnings.len(), 1, "{policy}: never silent");
        assert!(warnings[0].contains("timed out after 50 ms"), "{}", warnings[0]);
    }
}

#[tokio::test]
async fn a_user_keyed_budget_is_shared_by_the_users_sessions_and_api_keys() {
    let h = harness("[{'name': 'per-user', 'routes': ['/v1/users/me'], 'key': ['user'], 'algorithm': 'token_bucket', 'limit': 3, 'window_seconds': 60, 'store': 'exact', 'on_store_failure': 'closed'}]").await;
    let alice = h.user("alice@example.com").await;
    let mut keys = Vec::new();
    for name in ["one", "two"] {
        let (status, created) = h
            .json("POST", "/v1/api-keys", Some(&alice), serde_json::json!({"name": name, "scopes": ["products:read"]}))
            .await;
        assert_eq!(status, 201);
        keys.push(created["api_key"].as_str().unwrap().to_owned());
    }
    // New keys do not buy a new budget: every credential of Alice's draws on hers.
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &keys[0]).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &keys[1]).await.0, 200);
    assert_eq!(h.get("/v1/users/me", &keys[0]).await.0, 429);
    assert_eq!(h.get("/v1/users/me", &alice).await.0, 429);
}
