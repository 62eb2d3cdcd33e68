//! The benchmark's baseline for the authenticated order read: what a careful developer would
//! write by hand for `GET /v2/orders/{id}` and nothing more.
//!
//! - the bearer token is an EdDSA JWT signed with the first key of `JWT_SIGNING_KEYS` (the same
//!   secret the real Worker uses): signature, `alg`, `typ`, `iss`, `aud` and `exp` are checked;
//! - one D1 batch reads the order and its items;
//! - the order must belong to the token's subject (else 404);
//! - the answer is the v2 JSON of the real Worker (decimal money, RFC 3339 times).
//!
//! No sessions, roles, rate limits, caching headers or logs: it is the floor the real read is
//! compared against (`make bench`).

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{D1Database, Env, Request, Response, event};

#[derive(Deserialize)]
struct Header {
    alg: String,
    typ: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: Value,
    exp: i64,
}

#[derive(Deserialize)]
struct OrderRow {
    id: String,
    customer_id: String,
    user_id: String,
    status: String,
    currency: String,
    total_minor: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(Deserialize)]
struct ItemRow {
    product_id: String,
    sku: String,
    name: String,
    unit_price_minor: i64,
    quantity: i64,
    line_total_minor: i64,
}

#[derive(Serialize)]
struct Money {
    amount: String,
    currency: String,
}

#[derive(Serialize)]
struct Item {
    product_id: String,
    sku: String,
    name: String,
    quantity: i64,
    unit_price: Money,
    line_total: Money,
}

#[derive(Serialize)]
struct Order {
    id: String,
    customer_id: String,
    status: String,
    total: Money,
    items: Vec<Item>,
    created_at: String,
    updated_at: String,
}

fn money(minor: i64, currency: &str) -> Money {
    // Two decimals (the benchmark orders in EUR).
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    Money { amount: format!("{sign}{}.{:02}", abs / 100, abs % 100), currency: currency.to_owned() }
}

fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn verifying_key(env: &Env) -> Option<VerifyingKey> {
    let secret = env.secret("JWT_SIGNING_KEYS").ok()?.to_string();
    let (_, seed) = secret.split(',').next()?.split_once(':')?;
    let seed: [u8; 32] = Base64UrlUnpadded::decode_vec(seed.trim()).ok()?.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed).verifying_key())
}

/// The subject of a valid token, or `None`.
fn subject(token: &str, key: &VerifyingKey, now: i64) -> Option<String> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, claims) = signed.split_once('.')?;
    let header: Header = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).ok()?).ok()?;
    if header.alg != "EdDSA" || header.typ.as_deref() != Some("at+jwt") {
        return None;
    }
    let signature = Signature::from_slice(&Base64UrlUnpadded::decode_vec(signature).ok()?).ok()?;
    key.verify(signed.as_bytes(), &signature).ok()?;
    let claims: Claims = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(claims).ok()?).ok()?;
    let audience_ok = match &claims.aud {
        Value::String(aud) => aud == "orderflow-api",
        Value::Array(auds) => auds.iter().any(|a| a == "orderflow-api"),
        _ => false,
    };
    (claims.iss == "orderflow" && audience_ok && claims.exp > now).then_some(claims.sub)
}

async fn read_order(db: &D1Database, id: &str) -> worker::Result<Option<(OrderRow, Vec<ItemRow>)>> {
    let order = db
        .prepare(
            "SELECT id, customer_id, user_id, status, currency, total_minor, created_at, updated_at \
             FROM orders WHERE id = ?1",
        )
        .bind(&[id.into()])?;
    let items = db
        .prepare(
            "SELECT product_id, sku, name, unit_price_minor, quantity, line_total_minor \
             FROM order_items WHERE order_id = ?1 ORDER BY line",
        )
        .bind(&[id.into()])?;
    let mut results = db.batch(vec![order, items]).await?.into_iter();
    let (Some(order), Some(items)) = (results.next(), results.next()) else { return Ok(None) };
    let Some(order) = order.results::<OrderRow>()?.into_iter().next() else { return Ok(None) };
    Ok(Some((order, items.results::<ItemRow>()?)))
}

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: worker::Context) -> worker::Result<Response> {
    let path = request.path();
    let Some(id) = path.strip_prefix("/v2/orders/").filter(|id| !id.is_empty() && !id.contains('/')) else {
        return Response::error("not found", 404);
    };
    let token = request.headers().get("authorization")?.and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned));
    let now = (worker::Date::now().as_millis() / 1000) as i64;
    let (Some(token), Some(key)) = (token, verifying_key(&env)) else { return Response::error("unauthorized", 401) };
    let Some(user) = subject(&token, &key, now) else { return Response::error("unauthorized", 401) };
    let Some((order, items)) = read_order(&env.d1("DB")?, id).await? else { return Response::error("not found", 404) };
    if order.user_id != user {
        return Response::error("not found", 404);
    }
    let currency = order.currency.as_str();
    let body = Order {
        id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        status: order.status.clone(),
        total: money(order.total_minor, currency),
        items: items
            .into_iter()
            .map(|i| Item {
                product_id: i.product_id,
                sku: i.sku,
                name: i.name,
                quantity: i.quantity,
                unit_price: money(i.unit_price_minor, currency),
                line_total: money(i.line_total_minor, currency),
            })
            .collect(),
        created_at: rfc3339(order.created_at),
        updated_at: rfc3339(order.updated_at),
    };
    Response::from_json(&body)
}
