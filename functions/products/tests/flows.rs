//! The catalogue through the native adapters: both versions, RBAC, ETags, idempotency, audit.

use serde_json::{Value, json};
use testkit::{Harness, code};
use web::ports::Sql;
use web::ports::sql::Statement;

async fn harness() -> (Harness, String, String) {
    let h = Harness::with_router(products::router()).await;
    let (_, staff) = h.user_with_roles("staff@example.com", "customer staff").await;
    let customer = h.user("shopper@example.com").await;
    (h, staff, customer)
}

fn widget_v1() -> Value {
    json!({"sku": "W-1", "name": "Widget", "price_minor": 1999, "currency": "EUR", "stock": 5})
}

async fn audit_actions(h: &Harness) -> Vec<String> {
    let rows = h.platform.sql.query(&Statement::new("SELECT action FROM audit_log ORDER BY id")).await.unwrap();
    rows.iter().map(|r| r.get::<String>("action").unwrap()).collect()
}

#[tokio::test]
async fn staff_create_and_everyone_reads_in_both_versions() {
    let (h, staff, _) = harness().await;
    let (status, created, response) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&widget_v1())).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(response.headers()["location"], format!("/v1/products/{id}").as_str());
    assert_eq!(response.headers()["etag"], "\"v1\"");
    assert_eq!(created["price_minor"], 1999);
    assert!(created["created_at"].is_i64());

    // Anonymous reads; v2 shows decimal money and RFC 3339 times.
    let (status, v2, _) = h.call("GET", &format!("/v2/products/{id}"), &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(v2["price"], json!({"amount": "19.99", "currency": "EUR"}));
    assert!(v2["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(v2.get("price_minor").is_none());

    // v1 is deprecated with a link to v2; v2 is not.
    h.platform.config.set_var("api_deprecation", "@1798761600");
    h.platform.config.set_var("api_sunset", "Wed, 30 Jun 2027 00:00:00 GMT");
    let app = web::App::new(products::router());
    let v1 = h.platform.send(&app, "GET", &format!("/v1/products/{id}")).await;
    assert_eq!(v1.headers()["deprecation"], "@1798761600");
    assert_eq!(v1.headers()["sunset"], "Wed, 30 Jun 2027 00:00:00 GMT");
    assert_eq!(v1.headers()["link"], format!("</v2/products/{id}>; rel=\"successor-version\"").as_str());
    let v2 = h.platform.send(&app, "GET", &format!("/v2/products/{id}")).await;
    assert!(!v2.headers().contains_key("deprecation"));

    // v2 create takes decimal strings.
    let body = json!({"sku": "Y-1", "name": "Yen thing", "price": {"amount": "500", "currency": "JPY"}, "stock": 1});
    let (status, created, _) = h.send("POST", "/v2/products", Some(&staff), &[], Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["price"]["amount"], "500");
    assert_eq!(audit_actions(&h).await, vec!["product.create", "product.create"]);
}

#[tokio::test]
async fn writes_need_products_write_and_valid_input() {
    let (h, staff, customer) = harness().await;
    let (status, problem, _) = h.send("POST", "/v1/products", Some(&customer), &[], Some(&widget_v1())).await;
    assert_eq!((status, code(&problem)), (403, "forbidden"));
    let (status, _, _) = h.send("POST", "/v1/products", None, &[], Some(&widget_v1())).await;
    assert_eq!(status, 401);
    let cases = [
        (json!({"sku": "x", "name": "n", "price_minor": -1, "currency": "EUR", "stock": 1}), "invalid_product"),
        (json!({"sku": "x", "name": "n", "price_minor": 1, "currency": "EURO", "stock": 1}), "invalid_product"),
        (json!({"sku": "bad sku", "name": "n", "price_minor": 1, "currency": "EUR", "stock": 1}), "invalid_product"),
        (json!({"sku": "x", "name": "", "price_minor": 1, "currency": "EUR", "stock": 1}), "invalid_product"),
        (json!({"sku": "x", "name": "n", "price_minor": 1, "currency": "EUR", "stock": -5}), "invalid_product"),
        (json!({"sku": "x", "name": "n", "price_minor": 1.5, "currency": "EUR", "stock": 1}), "invalid_body"),
        (
            json!({"sku": "x", "name": "n", "price_minor": 1, "currency": "EUR", "stock": 1, "active": false}),
            "invalid_body",
        ),
    ];
    for (body, expected) in cases {
        let (status, problem, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&body)).await;
        assert_eq!((status, code(&problem)), (422, expected), "{body}");
    }
    let v2_too_precise = json!({"sku": "x", "name": "n", "price": {"amount": "1.999", "currency": "EUR"}, "stock": 1});
    let (status, problem, _) = h.send("POST", "/v2/products", Some(&staff), &[], Some(&v2_too_precise)).await;
    assert_eq!((status, code(&problem)), (422, "invalid_product"));
    h.send("POST", "/v1/products", Some(&staff), &[], Some(&widget_v1())).await;
    let (status, problem, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&widget_v1())).await;
    assert_eq!((status, code(&problem)), (409, "sku_taken"));
    assert_eq!(audit_actions(&h).await.len(), 1, "refused writes leave no audit rows");
}

#[tokio::test]
async fn etags_if_match_and_soft_delete() {
    let (h, staff, customer) = harness().await;
    let (_, created, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&widget_v1())).await;
    let uri = format!("/v1/products/{}", created["id"].as_str().unwrap());

    let (status, _, response) = h.send("GET", &uri, None, &[("if-none-match", "\"v1\"")], None).await;
    assert_eq!(status, 304);
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let (status, _, _) = h.send("GET", &uri, None, &[("if-none-match", "\"v0\", W/\"v1\"")], None).await;
    assert_eq!(status, 304, "If-None-Match compares weakly (what an edge that compresses sends back)");

    let change = json!({"price_minor": 2499});
    let (status, problem, _) = h.send("PATCH", &uri, Some(&staff), &[("if-match", "\"v9\"")], Some(&change)).await;
    assert_eq!((status, code(&problem)), (412, "precondition_failed"));
    let (status, updated, response) =
        h.send("PATCH", &uri, Some(&staff), &[("if-match", "\"v1\"")], Some(&change)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["price_minor"], 2499);
    assert_eq!(response.headers()["etag"], "\"v2\"");
    let (status, _, _) = h.send("PATCH", &uri, Some(&staff), &[("if-match", "\"v1\"")], Some(&change)).await;
    assert_eq!(status, 412, "the old ETag no longer matches");
    let (status, problem, _) = h.send("PATCH", &uri, Some(&staff), &[], Some(&json!({"sku": "NEW"}))).await;
    assert_eq!((status, code(&problem)), (422, "invalid_body"), "the SKU is immutable");
    let (status, _, _) = h.send("PATCH", &uri, Some(&customer), &[], Some(&change)).await;
    assert_eq!(status, 403);

    // An If-Match that cannot be read as text is not a missing one: the write is refused.
    let unreadable = web::http::Request::patch(&uri)
        .header("authorization", format!("Bearer {staff}"))
        .header("content-type", "application/json")
        .header("if-match", web::http::HeaderValue::from_bytes(b"\"v1\", \"\xc3\xa9\"").unwrap())
        .extension(web::ClientIp(testkit::CLIENT_IP.to_owned()))
        .body(bytes::Bytes::from(json!({"price_minor": 1}).to_string()))
        .unwrap();
    assert_eq!(h.platform.call(&h.app, unreadable).await.status(), 412);
    let (status, _, _) = h.send("DELETE", &uri, Some(&staff), &[("if-match", "W/\"v2\"")], None).await;
    assert_eq!(status, 412, "If-Match compares strongly");
    let (status, _, _) = h.send("DELETE", &uri, Some(&staff), &[("if-match", "\"v7\", \"v2\"")], None).await;
    assert_eq!(status, 204, "a list matches if any of its tags does");
    let (status, _, _) = h.send("GET", &uri, None, &[], None).await;
    assert_eq!(status, 404, "inactive products are hidden from the public");
    let (status, shown, _) = h.send("GET", &uri, Some(&staff), &[], None).await;
    assert_eq!((status, shown["active"].as_bool()), (200, Some(false)), "but not from staff");
    assert_eq!(audit_actions(&h).await, vec!["product.create", "product.update", "product.deactivate"]);
    let summary: Value = serde_json::from_str(
        &h.platform
            .sql
            .query(&Statement::new("SELECT summary FROM audit_log WHERE action = 'product.update'"))
            .await
            .unwrap()[0]
            .get::<String>("summary")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (summary["before"]["price_minor"].as_i64(), summary["after"]["price_minor"].as_i64()),
        (Some(1999), Some(2499))
    );
}

#[tokio::test]
async fn listing_pages_filters_and_sorts_from_allow_lists() {
    let (h, staff, _) = harness().await;
    for (i, price) in [300, 100, 200, 500, 400].iter().enumerate() {
        let body = json!({"sku": format!("S-{i}"), "name": format!("Item {i}"), "price_minor": price, "currency": "EUR", "stock": 1});
        h.send("POST", "/v1/products", Some(&staff), &[], Some(&body)).await;
        h.platform.clock.advance(1);
    }
    let (status, page, _) = h.send("GET", "/v1/products?sort=price&per_page=2&page=2", None, &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 5);
    assert_eq!(
        page["items"].as_array().unwrap().iter().map(|p| p["price_minor"].as_i64().unwrap()).collect::<Vec<_>>(),
        vec![300, 400]
    );

    let mut prices = Vec::new();
    let mut uri = "/v2/products?sort=-price&limit=2".to_owned();
    loop {
        let (status, page, _) = h.send("GET", &uri, None, &[], None).await;
        assert_eq!(status, 200, "{page}");
        prices.extend(
            page["items"].as_array().unwrap().iter().map(|p| p["price"]["amount"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/v2/products?sort=-price&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(prices, vec!["5.00", "4.00", "3.00", "2.00", "1.00"]);

    for bad in [
        "/v1/products?sort=secret",
        "/v1/products?colour=red",
        "/v1/products?per_page=1000",
        "/v2/products?page=2",
        "/v2/products?cursor=garbage",
        "/v1/products?page=1&page=2",
    ] {
        let (status, problem, _) = h.send("GET", bad, None, &[], None).await;
        assert_eq!((status, code(&problem)), (400, "invalid_query"), "{bad}");
    }
    let (status, _, _) = h.send("GET", "/v1/products?active=false", None, &[], None).await;
    assert_eq!(status, 403, "only staff see inactive products");
    let (status, page, response) = h.send("GET", "/v1/products?q=Item%203", None, &[], None).await;
    assert_eq!((status, page["total"].as_i64()), (200, Some(1)));
    assert!(response.headers().get("x-cache").is_none(), "searches are not cached");
    let (_, _, response) = h.send("GET", "/v1/products?currency=EUR", None, &[], None).await;
    assert_eq!(response.headers()["x-cache"], "miss", "plain listings are");
}

#[tokio::test]
async fn idempotent_creates_replay_and_refuse_reuse() {
    let (h, staff, _) = harness().await;
    let key = [("idempotency-key", "create-widget-1")];
    let (status, first, _) = h.send("POST", "/v1/products", Some(&staff), &key, Some(&widget_v1())).await;
    assert_eq!(status, 201);
    let (status, again, response) = h.send("POST", "/v1/products", Some(&staff), &key, Some(&widget_v1())).await;
    assert_eq!(status, 201);
    assert_eq!(again, first);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let different = json!({"sku": "W-2", "name": "Other", "price_minor": 1, "currency": "EUR", "stock": 1});
    let (status, problem, _) = h.send("POST", "/v1/products", Some(&staff), &key, Some(&different)).await;
    assert_eq!((status, code(&problem)), (422, "idempotency_key_reused"));
    let count = h.platform.sql.query(&Statement::new("SELECT COUNT(*) AS n FROM products")).await.unwrap()[0]
        .get::<i64>("n")
        .unwrap();
    assert_eq!(count, 1);

    // A failed first attempt releases the key.
    let retry_key = [("idempotency-key", "retry-me")];
    let invalid = json!({"sku": "W-3", "name": "", "price_minor": 1, "currency": "EUR", "stock": 1});
    assert_eq!(h.send("POST", "/v1/products", Some(&staff), &retry_key, Some(&invalid)).await.0, 422);
    let valid = json!({"sku": "W-3", "name": "Fixed", "price_minor": 1, "currency": "EUR", "stock": 1});
    assert_eq!(h.send("POST", "/v1/products", Some(&staff), &retry_key, Some(&valid)).await.0, 201);

    // Keys expire after a day.
    h.platform.clock.advance(24 * 3600 * 1000 + 1);
    let staff = testkit::access(&h.login("staff@example.com").await);
    let (status, _, _) = h.send("POST", "/v1/products", Some(&staff), &key, Some(&different)).await;
    assert_eq!(status, 201, "an expired key is a new key");
}

#[tokio::test]
async fn anonymous_reads_are_cached_and_writes_invalidate_them() {
    let (h, staff, customer) = harness().await;
    let (_, created, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&widget_v1())).await;
    let uri = format!("/v2/products/{}", created["id"].as_str().unwrap());

    let (status, _, first) = h.send("GET", &uri, None, &[], None).await;
    assert_eq!((status, first.headers()["x-cache"].to_str().unwrap()), (200, "miss"));
    assert_eq!(first.headers()["cache-control"], "public, max-age=30, stale-while-revalidate=60");
    assert!(first.headers()["vary"].to_str().unwrap().contains("Authorization"));
    let statements = h.platform.sql.statements_run();
    for _ in 0..5 {
        let (status, _, again) = h.send("GET", &uri, None, &[], None).await;
        assert_eq!((status, again.headers()["x-cache"].to_str().unwrap()), (200, "hit-memory"));
    }
    assert_eq!(h.platform.sql.statements_run(), statements, "cache hits run no SQL");
    let (_, _, private) = h.send("GET", &uri, Some(&customer), &[], None).await;
    assert_eq!(private.headers()["cache-control"], "private, no-cache", "authenticated reads are private");

    // A write is visible to the next read (read-your-write through the cache).
    let (status, _, _) =
        h.send("PATCH", &uri, Some(&staff), &[], Some(&json!({"price": {"amount": "5.00", "currency": "EUR"}}))).await;
    assert_eq!(status, 200);
    let (_, fresh, response) = h.send("GET", &uri, None, &[], None).await;
    assert_eq!(fresh["price"]["amount"], "5.00");
    assert_eq!(response.headers()["x-cache"], "miss");

    // Lists too: a new product appears at once.
    let (_, list, _) = h.send("GET", "/v1/products", None, &[], None).await;
    assert_eq!(list["total"], 1);
    let (_, _, cached) = h.send("GET", "/v1/products", None, &[], None).await;
    assert_eq!(cached.headers()["x-cache"], "hit-memory");
    let other = json!({"sku": "W-2", "name": "Another", "price_minor": 1, "currency": "EUR", "stock": 1});
    h.send("POST", "/v1/products", Some(&staff), &[], Some(&other)).await;
    let (_, list, _) = h.send("GET", "/v1/products", None, &[], None).await;
    assert_eq!(list["total"], 2);

    // Deactivated products vanish from the public view at once.
    h.send("DELETE", &uri, Some(&staff), &[], None).await;
    assert_eq!(h.send("GET", &uri, None, &[], None).await.0, 404);
}
