//! Whole-flow tests of the probes through the native adapters.

use std::rc::Rc;

use adapter_native::{NativeSql, TestPlatform};
use serde_json::Value;
use web::App;

fn app() -> App {
    App::new(health::router())
}

fn json(response: &web::Response) -> Value {
    serde_json::from_slice(response.body().full().expect("a full body")).expect("JSON body")
}

#[tokio::test]
async fn health_answers_without_touching_dependencies() {
    let platform = TestPlatform::with_sql(Rc::new(NativeSql::empty()));
    platform.kv.set_outage(true);
    let response = platform.send(&app(), "GET", "/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(&response)["status"], "ok");
}

#[tokio::test]
async fn ready_reports_each_dependency_when_all_are_up() {
    let platform = TestPlatform::new().await;
    let response = platform.send(&app(), "GET", "/ready").await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["sql"]["status"], "up");
    assert_eq!(body["checks"]["sql"]["schema_version"], migrations::latest_version());
    assert_eq!(body["checks"]["kv"]["status"], "up");
    assert!(body["checks"]["kv"]["latency_ms"].is_i64());
}

#[tokio::test]
async fn ready_is_503_with_retry_after_when_the_schema_is_missing() {
    let platform = TestPlatform::with_sql(Rc::new(NativeSql::empty()));
    let response = platform.send(&app(), "GET", "/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body = json(&response);
    assert_eq!(body["code"], "not_ready");
    assert_eq!(body["checks"]["sql"]["status"], "down");
    assert_eq!(body["checks"]["sql"]["reason"], "error");
    assert_eq!(body["checks"]["kv"]["status"], "up");
    assert!(
        !String::from_utf8_lossy(response.body().full().expect("a full body")).contains("no such table"),
        "internals must not leak"
    );
    let logged = platform.log.lines().join("\n");
    assert!(logged.contains("no such table"), "the cause is logged: {logged}");
}

#[tokio::test]
async fn ready_is_503_when_kv_is_down() {
    let platform = TestPlatform::new().await;
    platform.kv.set_outage(true);
    let response = platform.send(&app(), "GET", "/ready").await;
    assert_eq!(response.status(), 503);
    let body = json(&response);
    assert_eq!(body["checks"]["kv"]["reason"], "unavailable");
    assert_eq!(body["checks"]["sql"]["status"], "up");
}

#[tokio::test]
async fn ready_is_503_when_the_schema_is_behind_the_code() {
    let platform = TestPlatform::new().await;
    platform
        .platform()
        .sql
        .run(
            &web::ports::sql::Statement::new("DELETE FROM schema_version WHERE version = ?1")
                .bind(i64::from(migrations::latest_version())),
        )
        .await
        .unwrap();
    let response = platform.send(&app(), "GET", "/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(json(&response)["checks"]["sql"]["reason"], "schema_behind");
}
