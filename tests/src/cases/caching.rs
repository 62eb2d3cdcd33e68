//! The catalogue cache through the live runtime: a cold stampede loads once per instance,
//! writes are read back at once, and the HTTP caching headers are right per endpoint.

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, header, request, send};
use crate::fixtures::{access, customer, email, staff_token};

pub const CASES: &[Case] = &[
    ("caching::cold_stampede_loads_once", cold_stampede_loads_once),
    ("caching::writes_are_read_back_through_the_cache", writes_are_read_back_through_the_cache),
    ("caching::cache_control_fits_each_endpoint", cache_control_fits_each_endpoint),
];

/// Concurrent first reads that the cache may answer from SQL: one on the Worker (wrangler dev
/// serves them from one isolate, whose single-flight joins them); two on Spin, whose
/// instances each have their own memory and share the load through the cache's SQL lease
/// (the lease holder and, at most, one reader whose KV look raced the holder's store).
fn max_cold_loads(runtime: &str) -> usize {
    if runtime == "spin" { 2 } else { 1 }
}

fn new_product(target: &Target, staff: &str) -> Result<String, String> {
    let sku = email("cache").replace(['@', '.'], "-");
    let body = json!({"sku": sku, "name": "Cached", "price_minor": 1000, "currency": "EUR", "stock": 4});
    let response = send(request(Method::POST, &target.base_url, "/v1/products").bearer_auth(staff).json(&body))?;
    ensure_eq(response.status().as_u16(), 201, "create product")?;
    let created: Value = response.json().map_err(|e| e.to_string())?;
    Ok(created["id"].as_str().unwrap_or_default().to_owned())
}

fn cold_stampede_loads_once(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let id = new_product(target, &staff)?;
    let path = format!("/v2/products/{id}");
    let answers: Vec<Result<(u16, String, String), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..40)
            .map(|_| {
                scope.spawn(|| {
                    let response = send(request(Method::GET, &target.base_url, &path))?;
                    let status = response.status().as_u16();
                    let source = header(&response, "x-cache");
                    Ok((status, source, response.text().map_err(|e| e.to_string())?))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
    });
    let answers: Vec<(u16, String, String)> = answers.into_iter().collect::<Result<_, _>>()?;
    ensure(answers.iter().all(|(status, _, body)| *status == 200 && *body == answers[0].2), || {
        let odd: Vec<String> = answers
            .iter()
            .filter(|(s, _, b)| *s != 200 || *b != answers[0].2)
            .map(|(s, source, b)| format!("{s} {source} {b}"))
            .collect();
        format!("every reader must get the same 200; odd ones: {odd:?} (first: {})", answers[0].2)
    })?;
    // Every answer says where it came from, and a cold key is loaded at least once: a missing
    // or unknown X-Cache would otherwise count as "no load".
    let known = ["miss", "miss-shared", "hit-memory", "hit-kv"];
    ensure(answers.iter().all(|(_, source, _)| known.contains(&source.as_str())), || {
        let sources: Vec<&str> = answers.iter().map(|(_, s, _)| s.as_str()).collect();
        format!("X-Cache must be one of {known:?}: {sources:?}")
    })?;
    let loads = answers.iter().filter(|(_, source, _)| source == "miss").count();
    ensure(loads >= 1, || "a cold key was never loaded".into())?;
    let shared = answers.iter().filter(|(_, source, _)| source == "miss-shared").count();
    eprintln!("    caching: 40 cold concurrent reads of one product made {loads} SQL load(s); {shared} shared one");
    ensure(loads <= max_cold_loads(target.runtime), || {
        let sources: Vec<&str> = answers.iter().map(|(_, s, _)| s.as_str()).collect();
        format!("{loads} SQL loads for 40 cold concurrent reads: {sources:?}")
    })
}

fn writes_are_read_back_through_the_cache(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let id = new_product(target, &staff)?;
    let path = format!("/v2/products/{id}");
    send(request(Method::GET, &target.base_url, &path))?;
    let cached = send(request(Method::GET, &target.base_url, &path))?;
    ensure(header(&cached, "x-cache").starts_with("hit"), || format!("second read: {}", header(&cached, "x-cache")))?;
    let patch =
        send(request(Method::PATCH, &target.base_url, &path).bearer_auth(&staff).json(&json!({"name": "Renamed"})))?;
    ensure_eq(patch.status().as_u16(), 200, "update")?;
    let after: Value = send(request(Method::GET, &target.base_url, &path))?.json().map_err(|e| e.to_string())?;
    ensure_eq(after["name"].as_str(), Some("Renamed"), "the write is visible at once")?;
    // An order moves stock; the catalogue shows it at once too.
    let (user, tokens) = customer(target, "cache-buyer")?;
    let token = access(&tokens);
    send(
        request(Method::POST, &target.base_url, "/v1/customers")
            .bearer_auth(&token)
            .json(&json!({"name": "Buyer", "email": user["email"]})),
    )?;
    let order = send(
        request(Method::POST, &target.base_url, "/v1/orders")
            .bearer_auth(&token)
            .json(&json!({"items": [{"product_id": id, "quantity": 3}]})),
    )?;
    ensure_eq(order.status().as_u16(), 201, "order")?;
    let stock: Value = send(request(Method::GET, &target.base_url, &path))?.json().map_err(|e| e.to_string())?;
    ensure_eq(stock["stock"].as_i64(), Some(1), "stock after the order")
}

fn cache_control_fits_each_endpoint(target: &Target) -> Outcome {
    let staff = staff_token(target)?;
    let id = new_product(target, &staff)?;
    let public = send(request(Method::GET, &target.base_url, &format!("/v1/products/{id}")))?;
    ensure_eq(header(&public, "cache-control").as_str(), "public, max-age=30, stale-while-revalidate=60", "catalogue")?;
    ensure(header(&public, "vary").contains("Authorization"), || "Vary: Authorization".into())?;
    let etag = header(&public, "etag");
    let not_modified =
        send(request(Method::GET, &target.base_url, &format!("/v1/products/{id}")).header("if-none-match", &etag))?;
    ensure_eq(not_modified.status().as_u16(), 304, "If-None-Match")?;
    let (_, tokens) = customer(target, "cache-private")?;
    let me = send(request(Method::GET, &target.base_url, "/v1/users/me").bearer_auth(access(&tokens)))?;
    ensure_eq(header(&me, "cache-control").as_str(), "no-store", "user data")
}
