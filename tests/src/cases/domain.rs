//! Customers, products and orders: both versions, RBAC, ETags, idempotency, audit, and the
//! concurrency guarantees (no oversell, one order per idempotency key).

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::{access, admin_token, customer, email, staff_token};

pub const CASES: &[Case] = &[
    ("domain::products_v1_v2_etags_and_soft_delete", products_v1_v2_etags_and_soft_delete),
    ("domain::products_listing_validates_and_pages", products_listing_validates_and_pages),
    ("domain::customers_see_only_their_own_profile", customers_see_only_their_own_profile),
    ("domain::orders_lifecycle_both_versions", orders_lifecycle_both_versions),
    ("domain::parallel_orders_never_oversell", parallel_orders_never_oversell),
    ("domain::parallel_same_key_creates_one_order", parallel_same_key_creates_one_order),
    ("domain::staff_mutations_are_audited", staff_mutations_are_audited),
];

fn call(
    target: &Target,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<(u16, Value, String), String> {
    let response = raw(target, method, path, token, headers, body)?;
    let status = response.status().as_u16();
    let headers = format!("{:?}", response.headers());
    let body = response.json().unwrap_or(Value::Null);
    Ok((status, body, headers))
}

fn raw(
    target: &Target,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<reqwest::blocking::Response, String> {
    let mut builder = request(method, &target.base_url, path);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if let Some(body) = body {
        builder = builder.json(body);
    }
    send(builder)
}

/// Creates a product as staff; returns its v1 representation.
fn product(target: &Target, staff: &str, price_minor: i64, stock: i64) -> Result<Value, String> {
    let sku = format!("SKU-{}", email("p").replace(['@', '.'], "-"));
    let body = json!({"sku": sku, "name": format!("Thing {sku}"), "price_minor": price_minor, "currency": "EUR", "stock": stock});
    let (status, created, _) = call(target, Method::POST, "/v1/products", Some(staff), &[], Some(&body))?;
    if status == 201 { Ok(created) } else { Err(format!("create product: {status} {created}")) }
}

/// A customer with a profile; returns (access token, customer id).
fn shopper(target: &Target, tag: &str) -> Result<(String, String), String> {
    let (user, tokens) = customer(target, tag)?;
    let token = access(&tokens);
    let address = user["email"].as_str().unwrap_or_default();
    let (status, profile, _) =
        call(target, Method::POST, "/v1/customers", Some(&token), &[], Some(&json!({"name": tag, "email": address})))?;
    if status != 201 {
        return Err(format!("create profile: {status} {profile}"));
    }
    Ok((token, profile["id"].as_str().unwrap_or_default().to_owned()))
}

fn stock_of(target: &Target, id: &str) -> Result<i64, String> {
    let staff = staff_token(target)?;
    let (status, product, _) = call(target, Method::GET, &format!("/v1/products/{id}"), Some(&staff), &[], None)?;
    ensure_eq(status, 200, "read product")?;
    product["stock"].as_i64().ok_or_else(|| format!("no stock in {product}"))
}

fn products_v1_v2_etags_and_soft_delete(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let (_, tokens) = customer(target, "catalogue-customer")?;
    let shopper = access(&tokens);
    let created = product(target, &staff, 1999, 5)?;
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let (status, _, _) = call(
        target,
        Method::POST,
        "/v1/products",
        Some(&shopper),
        &[],
        Some(&json!({"sku": "X", "name": "X", "price_minor": 1, "currency": "EUR", "stock": 1})),
    )?;
    ensure_eq(status, 403, "customers cannot create products")?;

    let v1 = raw(target, Method::GET, &format!("/v1/products/{id}"), None, &[], None)?;
    ensure_eq(header(&v1, "etag").as_str(), "\"v1\"", "ETag")?;
    ensure(header(&v1, "deprecation").starts_with('@'), || "v1 carries Deprecation".into())?;
    ensure(!header(&v1, "sunset").is_empty(), || "v1 carries Sunset".into())?;
    ensure_eq(header(&v1, "link"), format!("</v2/products/{id}>; rel=\"successor-version\""), "successor Link")?;
    let v1: Value = v1.json().map_err(|e| e.to_string())?;
    ensure_eq(v1["price_minor"].as_i64(), Some(1999), "v1 money")?;
    let v2 = raw(target, Method::GET, &format!("/v2/products/{id}"), None, &[], None)?;
    ensure(header(&v2, "deprecation").is_empty(), || "v2 is not deprecated".into())?;
    let v2: Value = v2.json().map_err(|e| e.to_string())?;
    ensure_eq(v2["price"].clone(), json!({"amount": "19.99", "currency": "EUR"}), "v2 money")?;
    ensure(v2["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), || format!("v2 time: {v2}"))?;

    let not_modified =
        raw(target, Method::GET, &format!("/v2/products/{id}"), None, &[("if-none-match", "\"v1\"")], None)?;
    ensure_eq(not_modified.status().as_u16(), 304, "If-None-Match")?;
    let stale = raw(
        target,
        Method::PATCH,
        &format!("/v1/products/{id}"),
        Some(&staff),
        &[("if-match", "\"v0\"")],
        Some(&json!({"price_minor": 2500})),
    )?;
    expect_problem(stale, 412, "precondition_failed")?;
    let (status, updated, _) = call(
        target,
        Method::PATCH,
        &format!("/v2/products/{id}"),
        Some(&staff),
        &[("if-match", "\"v1\"")],
        Some(&json!({"price": {"amount": "25.00", "currency": "EUR"}})),
    )?;
    ensure_eq((status, updated["price"]["amount"].as_str()), (200, Some("25.00")), "PATCH with If-Match")?;
    let (status, _, _) = call(target, Method::DELETE, &format!("/v1/products/{id}"), Some(&staff), &[], None)?;
    ensure_eq(status, 204, "soft delete")?;
    let gone = raw(target, Method::GET, &format!("/v1/products/{id}"), None, &[], None)?;
    expect_problem(gone, 404, "not_found")?;
    let (status, shown, _) = call(target, Method::GET, &format!("/v1/products/{id}"), Some(&staff), &[], None)?;
    ensure_eq((status, shown["active"].as_bool()), (200, Some(false)), "staff still see it")
}

fn products_listing_validates_and_pages(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    for price in [101, 102, 103] {
        product(target, &staff, price, 1)?;
    }
    let (status, page, _) = call(target, Method::GET, "/v1/products?per_page=2&sort=-created_at", None, &[], None)?;
    ensure_eq(status, 200, "v1 list")?;
    ensure(
        page["total"].as_i64().is_some_and(|t| t >= 3) && page["items"].as_array().is_some_and(|i| i.len() == 2),
        || format!("{page}"),
    )?;
    let (status, first, _) = call(target, Method::GET, "/v2/products?limit=2", None, &[], None)?;
    ensure_eq(status, 200, "v2 list")?;
    let cursor = first["next_cursor"].as_str().ok_or("a next_cursor")?.to_owned();
    let (status, second, _) =
        call(target, Method::GET, &format!("/v2/products?limit=2&cursor={cursor}"), None, &[], None)?;
    ensure_eq(status, 200, "v2 next page")?;
    ensure(second["items"][0]["id"].is_string(), || format!("the second page has items: {second}"))?;
    ensure(second["items"][0]["id"] != first["items"][0]["id"], || "the cursor advances".into())?;
    for bad in [
        "/v1/products?colour=red",
        "/v1/products?sort=secret",
        "/v1/products?per_page=101",
        "/v2/products?cursor=nonsense",
    ] {
        let response = raw(target, Method::GET, bad, None, &[], None)?;
        expect_problem(response, 400, "invalid_query").map_err(|e| format!("{bad}: {e}"))?;
    }
    Ok(())
}

fn customers_see_only_their_own_profile(target: &Target) -> Outcome {
    let (alice, alice_profile) = shopper(target, "alice")?;
    let (bob, _) = shopper(target, "bob")?;
    let (status, own, _) =
        call(target, Method::GET, &format!("/v2/customers/{alice_profile}"), Some(&alice), &[], None)?;
    ensure_eq((status, own["id"].as_str()), (200, Some(alice_profile.as_str())), "own profile")?;
    let other = raw(target, Method::GET, &format!("/v1/customers/{alice_profile}"), Some(&bob), &[], None)?;
    expect_problem(other, 404, "not_found")?;
    let (status, list, _) = call(target, Method::GET, "/v1/customers", Some(&bob), &[], None)?;
    ensure_eq((status, list["total"].as_i64()), (200, Some(1)), "customers list only themselves")?;
    let taken = raw(
        target,
        Method::PATCH,
        &format!("/v1/customers/{alice_profile}"),
        Some(&alice),
        &[],
        Some(&json!({"email": own["email"]})),
    )?;
    ensure_eq(taken.status().as_u16(), 200, "own email again")?;
    let staff = staff_token(target)?;
    let (status, seen, _) =
        call(target, Method::GET, &format!("/v1/customers/{alice_profile}"), Some(&staff), &[], None)?;
    ensure_eq((status, seen["id"].as_str()), (200, Some(alice_profile.as_str())), "staff see every profile")
}

fn orders_lifecycle_both_versions(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let (alice, _) = shopper(target, "orderer")?;
    let (bob, _) = shopper(target, "other")?;
    let item = product(target, &staff, 250, 10)?;
    let item_id = item["id"].as_str().unwrap_or_default().to_owned();
    let body = json!({"items": [{"product_id": item_id, "quantity": 3}]});
    let created = raw(target, Method::POST, "/v2/orders", Some(&alice), &[], Some(&body))?;
    ensure_eq(created.status().as_u16(), 201, "create")?;
    let location = header(&created, "location");
    let order: Value = created.json().map_err(|e| e.to_string())?;
    let id = order["id"].as_str().unwrap_or_default().to_owned();
    ensure_eq(location, format!("/v2/orders/{id}"), "Location")?;
    ensure_eq(order["total"].clone(), json!({"amount": "7.50", "currency": "EUR"}), "v2 total")?;
    ensure_eq(stock_of(target, &item_id)?, 7, "stock reserved")?;
    let (status, v1, _) = call(target, Method::GET, &format!("/v1/orders/{id}"), Some(&alice), &[], None)?;
    ensure_eq(
        (status, v1["total_minor"].as_i64(), v1["items"][0]["unit_price_minor"].as_i64()),
        (200, Some(750), Some(250)),
        "v1 shape",
    )?;
    expect_problem(raw(target, Method::GET, &format!("/v1/orders/{id}"), Some(&bob), &[], None)?, 404, "not_found")?;

    let invalid = raw(
        target,
        Method::POST,
        "/v1/orders",
        Some(&alice),
        &[],
        Some(&json!({"items": [{"product_id": item_id, "quantity": 0}]})),
    )?;
    expect_problem(invalid, 422, "invalid_order")?;
    let forbidden = raw(
        target,
        Method::PATCH,
        &format!("/v1/orders/{id}"),
        Some(&alice),
        &[],
        Some(&json!({"status": "shipped"})),
    )?;
    expect_problem(forbidden, 403, "forbidden")?;
    let (status, _, _) = call(
        target,
        Method::PATCH,
        &format!("/v1/orders/{id}"),
        Some(&staff),
        &[("if-match", "\"v1\"")],
        Some(&json!({"status": "processing"})),
    )?;
    ensure_eq(status, 200, "staff moves it")?;
    let stale = raw(
        target,
        Method::PATCH,
        &format!("/v1/orders/{id}"),
        Some(&staff),
        &[("if-match", "\"v1\"")],
        Some(&json!({"status": "shipped"})),
    )?;
    expect_problem(stale, 412, "precondition_failed")?;
    let (status, _, _) = call(
        target,
        Method::PATCH,
        &format!("/v1/orders/{id}"),
        Some(&alice),
        &[],
        Some(&json!({"status": "cancelled"})),
    )?;
    ensure_eq(status, 200, "owner cancels")?;
    ensure_eq(stock_of(target, &item_id)?, 10, "cancel restocks")?;
    let again = raw(
        target,
        Method::PATCH,
        &format!("/v1/orders/{id}"),
        Some(&staff),
        &[],
        Some(&json!({"status": "processing"})),
    )?;
    let problem = expect_problem(again, 409, "invalid_transition")?;
    ensure_eq(problem["allowed"].clone(), json!([]), "allowed transitions from cancelled")?;
    let (status, list, _) = call(target, Method::GET, "/v1/orders?status=cancelled", Some(&alice), &[], None)?;
    ensure_eq((status, list["total"].as_i64()), (200, Some(1)), "filtered list")?;
    Ok(())
}

fn parallel_orders_never_oversell(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let scarce = product(target, &staff, 100, 5)?;
    let scarce_id = scarce["id"].as_str().unwrap_or_default().to_owned();
    let buyers: Vec<String> =
        (0..12).map(|i| shopper(target, &format!("rush{i}")).map(|(t, _)| t)).collect::<Result<_, _>>()?;
    let body = json!({"items": [{"product_id": scarce_id, "quantity": 1}]});
    let statuses: Vec<Result<(u16, Value), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = buyers
            .iter()
            .map(|token| {
                scope.spawn(|| {
                    call(target, Method::POST, "/v1/orders", Some(token), &[], Some(&body))
                        .map(|(status, body, _)| (status, body))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
    });
    let answers: Vec<(u16, Value)> = statuses.into_iter().collect::<Result<_, _>>()?;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let refused = answers.iter().filter(|(s, _)| *s == 409).count();
    let others: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s != 201 && *s != 409).collect();
    ensure(others.is_empty(), || format!("only 201 and 409 expected; also got {others:?}"))?;
    ensure_eq((created, refused), (5, 7), "exactly the stock is sold, the rest are 409")?;
    ensure_eq(stock_of(target, &scarce_id)?, 0, "stock ends at zero, never below")
}

fn parallel_same_key_creates_one_order(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let item = product(target, &staff, 100, 50)?;
    let item_id = item["id"].as_str().unwrap_or_default().to_owned();
    let (token, _) = shopper(target, "retrier")?;
    let key = email("key");
    let body = json!({"items": [{"product_id": item_id, "quantity": 2}]});
    let results: Vec<Result<(u16, Value, String), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    call(target, Method::POST, "/v1/orders", Some(&token), &[("idempotency-key", &key)], Some(&body))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
    });
    let mut ids = Vec::new();
    for result in results {
        let (status, body, _) = result?;
        match status {
            201 => ids.push(body["id"].as_str().unwrap_or_default().to_owned()),
            409 => ensure_eq(body["code"].as_str(), Some("idempotency_in_flight"), "409 code")?,
            other => return Err(format!("unexpected {other}: {body}")),
        }
    }
    ids.dedup();
    ensure_eq(ids.len(), 1, "every success names the same order")?;
    // After the dust settles the key replays the one order.
    let (status, replay, headers) =
        call(target, Method::POST, "/v1/orders", Some(&token), &[("idempotency-key", &key)], Some(&body))?;
    ensure_eq((status, replay["id"].as_str()), (201, Some(ids[0].as_str())), "replay")?;
    ensure(headers.contains("idempotent-replayed"), || format!("replay header missing: {headers}"))?;
    let (status, list, _) = call(target, Method::GET, "/v1/orders", Some(&token), &[], None)?;
    ensure_eq((status, list["total"].as_i64()), (200, Some(1)), "exactly one order exists")?;
    ensure_eq(stock_of(target, &item_id)?, 48, "reserved once")?;
    let reused = raw(
        target,
        Method::POST,
        "/v1/orders",
        Some(&token),
        &[("idempotency-key", &key)],
        Some(&json!({"items": [{"product_id": item_id, "quantity": 1}]})),
    )?;
    expect_problem(reused, 422, "idempotency_key_reused").map(drop)
}

fn staff_mutations_are_audited(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let admin = admin_token(target)?;
    let item = product(target, &staff, 300, 3)?;
    let id = item["id"].as_str().unwrap_or_default().to_owned();
    call(target, Method::PATCH, &format!("/v1/products/{id}"), Some(&staff), &[], Some(&json!({"stock": 9})))?;
    let (status, audit, _) =
        call(target, Method::GET, &format!("/v1/admin/audit?target_id={id}"), Some(&admin), &[], None)?;
    ensure_eq(status, 200, "admin reads the audit log")?;
    let actions: Vec<&str> =
        audit["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    ensure_eq(actions, vec!["product.update", "product.create"], "audit rows, newest first")?;
    ensure_eq(audit["items"][0]["summary"]["after"]["stock"].as_i64(), Some(9), "after state")?;
    let denied = raw(target, Method::GET, "/v1/admin/audit", Some(&staff), &[], None)?;
    expect_problem(denied, 403, "forbidden").map(drop)
}
