//! Filling a fresh deployment through its own API, as clients would: an admin (the bootstrap
//! email), three products, customers with profiles and tokens, and one order of three lines.
//! Every call comes from a new client address, so the sign-up and sign-in rules of the default
//! rate limits never refuse the set-up.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::load::{self, Target};

/// The email that becomes admin when it registers (`BOOTSTRAP_ADMIN_EMAIL` of every target).
pub const ADMIN_EMAIL: &str = "admin@bench.test";
/// Every account's password.
const PASSWORD: &str = "bench suite passphrase 7";

/// What a seeded deployment holds for the benchmark.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The customer whose order is read.
    pub reader_token: String,
    /// That customer's order (three lines).
    pub order_id: String,
    /// The products (stock enough for every write the benchmark makes).
    pub product_ids: Vec<String>,
}

/// One deployment's API.
pub struct Api {
    address: SocketAddr,
    /// Whether this deployment takes the client address from `cf-connecting-ip` (the Worker);
    /// otherwise calls come from different loopback addresses (Spin reads the peer address).
    edge_ip_header: bool,
}

/// A new client address per call: `198.18.x.y` (a benchmarking range).
fn client_ip() -> HeaderValue {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("198.18.{}.{}", (n >> 8) & 0xff, n & 0xff)).expect("an address is a header value")
}

impl Api {
    /// The API at `address`.
    pub fn new(address: SocketAddr, edge_ip_header: bool) -> Self {
        Self { address, edge_ip_header }
    }

    /// One call; the status and the JSON body (`null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&'static str, Bytes)>,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<(StatusCode, Value), String> {
        let mut target = Target::get("api", self.address, path);
        target.method = method;
        target.spread_sources = !self.edge_ip_header;
        if self.edge_ip_header {
            target.headers.push((HeaderName::from_static("cf-connecting-ip"), client_ip()));
        }
        if let Some(token) = token {
            let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?;
            target.headers.push((header::AUTHORIZATION, value));
        }
        if let Some((content_type, bytes)) = body {
            target.headers.push((header::CONTENT_TYPE, HeaderValue::from_static(content_type)));
            target.body = bytes;
        }
        target.headers.extend(headers.iter().cloned());
        let answer = load::once(&target).await?;
        let json = if answer.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer.body).map_err(|e| format!("{path}: not JSON: {e}"))?
        };
        Ok((answer.status, json))
    }

    async fn json(&self, method: Method, path: &str, token: Option<&str>, body: Value) -> Result<Value, String> {
        let bytes = Bytes::from(body.to_string());
        let (status, answer) = self.call(method, path, token, Some(("application/json", bytes)), &[]).await?;
        if status.is_success() { Ok(answer) } else { Err(format!("{path}: {status} {answer}")) }
    }

    /// Registers `email` and signs in: its access token.
    pub async fn account(&self, email: &str) -> Result<String, String> {
        self.json(Method::POST, "/v1/auth/register", None, json!({"email": email, "password": PASSWORD})).await?;
        let form = format!("grant_type=password&username={}&password={}", email.replace('@', "%40"), PASSWORD);
        let body = Some(("application/x-www-form-urlencoded", Bytes::from(form.replace(' ', "+"))));
        let (status, answer) = self.call(Method::POST, "/v1/auth/token", None, body, &[]).await?;
        match answer["access_token"].as_str() {
            Some(token) if status == StatusCode::OK => Ok(token.to_owned()),
            _ => Err(format!("sign-in {email}: {status} {answer}")),
        }
    }

    /// A customer: an account with a profile. Its access token.
    pub async fn customer(&self, email: &str) -> Result<String, String> {
        let token = self.account(email).await?;
        self.json(Method::POST, "/v2/customers", Some(&token), json!({"name": "Bench Customer", "email": email}))
            .await?;
        Ok(token)
    }

    /// Places an order of one unit of each product; its id.
    pub async fn order(&self, token: &str, products: &[String], key: &str) -> Result<String, String> {
        let items: Vec<Value> = products.iter().map(|id| json!({"product_id": id, "quantity": 1})).collect();
        let bytes = Bytes::from(json!({"items": items}).to_string());
        let key =
            [(HeaderName::from_static("idempotency-key"), HeaderValue::from_str(key).map_err(|e| e.to_string())?)];
        let (status, answer) =
            self.call(Method::POST, "/v2/orders", Some(token), Some(("application/json", bytes)), &key).await?;
        match answer["id"].as_str() {
            Some(id) if status == StatusCode::CREATED => Ok(id.to_owned()),
            _ => Err(format!("order: {status} {answer}")),
        }
    }

    /// The admin, three products and a customer with one order.
    pub async fn seed(&self) -> Result<Seeded, String> {
        let admin = self.account(ADMIN_EMAIL).await?;
        let mut product_ids = Vec::new();
        for (sku, name, amount) in
            [("B-1", "Bench mug", "12.50"), ("B-2", "Bench cap", "19.99"), ("B-3", "Bench tee", "24.00")]
        {
            let body =
                json!({"sku": sku, "name": name, "price": {"amount": amount, "currency": "EUR"}, "stock": 1_000_000});
            let product = self.json(Method::POST, "/v2/products", Some(&admin), body).await?;
            product_ids.push(product["id"].as_str().ok_or("product without id")?.to_owned());
        }
        let reader_token = self.customer("reader@bench.test").await?;
        let order_id = self.order(&reader_token, &product_ids, "bench-seed-order").await?;
        Ok(Seeded { reader_token, order_id, product_ids })
    }
}
