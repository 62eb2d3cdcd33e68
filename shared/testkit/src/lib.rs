//! Test support for function crates: [`Harness`] serves a function's router together with the
//! auth routes on the native platform, with secrets configured, and makes users of any role.

mod race;

use adapter_native::TestPlatform;
use bytes::Bytes;
use serde_json::{Value, json};
use web::ports::sql::Statement;
use web::ports::{Platform, Sql};
use web::{App, ClientIp, Response, Router};

pub use race::{RacedSql, YieldingSql};

/// `k1` with the RFC 8037 example seed.
pub const SIGNING_KEYS: &str = "k1:nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
/// A valid `auth_secret`.
pub const AUTH_SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0";
/// The bootstrap admin's email.
pub const ADMIN_EMAIL: &str = "root@example.com";
/// The password every test account uses.
pub const PASSWORD: &str = "a sound passphrase 42";

/// The client address every test request comes from (runtimes always report one).
pub const CLIENT_IP: &str = "198.51.100.7";

/// A function under test, plus auth, on a fresh native platform.
pub struct Harness {
    /// The ports (to arrange and inspect).
    pub platform: TestPlatform,
    /// The app: the function's routes merged with auth's.
    pub app: App,
}

/// A response as status, JSON body (Null if none) and the raw response.
pub type Answer = (u16, Value, Response);

impl Harness {
    /// Auth alone.
    pub async fn auth_only() -> Self {
        Self::with_router(Router::new()).await
    }

    /// `router` plus the auth routes.
    pub async fn with_router(router: Router) -> Self {
        let platform = TestPlatform::new().await;
        // The memory tier is per instance (thread): start every test cold.
        cache::clear_memory();
        platform.config.set_secret("jwt_signing_keys", SIGNING_KEYS);
        platform.config.set_secret("auth_secret", AUTH_SECRET);
        platform.config.set_var("bootstrap_admin_email", ADMIN_EMAIL);
        // No rate limits unless a test configures them (set `rate_limit_rules` before the
        // first request: the layer reads its rules once).
        platform.config.set_var("rate_limit_rules", "[]");
        Self {
            platform,
            app: App::new(auth::router().merge(router))
                .layer(ratelimit::RateLimitLayer::new(ratelimit::VerifiedCredentials)),
        }
    }

    /// Sends a request with raw headers and body.
    pub async fn call(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        self.call_on(self.platform.platform(), method, uri, headers, body).await
    }

    /// [`call`](Self::call) on `platform`: the test platform with a port swapped (say, SQL
    /// wrapped in a [`RacedSql`]).
    pub async fn call_on(
        &self,
        platform: Platform,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut builder = http::Request::builder().method(method).uri(uri).extension(ClientIp(CLIENT_IP.to_owned()));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Bytes::copy_from_slice(body)).expect("valid request");
        let response = self.app.handle(request, platform).await;
        let json = response.body().full().and_then(|bytes| serde_json::from_slice(bytes).ok()).unwrap_or(Value::Null);
        (response.status().as_u16(), json, response)
    }

    /// Sends JSON, with a bearer token and extra headers.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        self.send_on(self.platform.platform(), method, uri, token, extra, body).await
    }

    /// [`send`](Self::send) on `platform` (see [`call_on`](Self::call_on)).
    pub async fn send_on(
        &self,
        platform: Platform,
        method: &str,
        uri: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(auth) = &auth {
            headers.push(("authorization", auth));
        }
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.call_on(platform, method, uri, &headers, bytes.as_bytes()).await
    }

    /// Sends JSON with a token; returns status and body.
    pub async fn json(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let (status, json, _) = self.send(method, uri, token, &[], Some(&body)).await;
        (status, json)
    }

    /// GET with a token; returns status and body.
    pub async fn get(&self, uri: &str, token: &str) -> (u16, Value) {
        let (status, json, _) = self.send("GET", uri, Some(token), &[], None).await;
        (status, json)
    }

    /// POST a form (the token endpoint).
    pub async fn form(&self, uri: &str, form: &str) -> (u16, Value) {
        let (status, json, _) =
            self.call("POST", uri, &[("content-type", "application/x-www-form-urlencoded")], form.as_bytes()).await;
        (status, json)
    }

    /// Registers `email`; returns the user.
    pub async fn register(&self, email: &str) -> Value {
        let (status, body) =
            self.json("POST", "/v1/auth/register", None, json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(status, 201, "register {email}: {body}");
        body
    }

    /// Signs in `email`; returns the token response.
    pub async fn login(&self, email: &str) -> Value {
        let (status, body) =
            self.form("/v1/auth/token", &format!("grant_type=password&username={email}&password={PASSWORD}")).await;
        assert_eq!(status, 200, "login {email}: {body}");
        body
    }

    /// POSTs a refresh grant.
    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.form("/v1/auth/token", &format!("grant_type=refresh_token&refresh_token={refresh_token}")).await
    }

    /// Registers and signs in a customer; returns the access token.
    pub async fn user(&self, email: &str) -> String {
        self.register(email).await;
        access(&self.login(email).await)
    }

    /// A customer named `name` with a profile (`POST /v1/customers`; mount the customers
    /// router): registers and signs in `email`, returns the access token.
    pub async fn shopper(&self, name: &str, email: &str) -> String {
        let token = self.user(email).await;
        let (status, body, _) =
            self.send("POST", "/v1/customers", Some(&token), &[], Some(&json!({"name": name, "email": email}))).await;
        assert_eq!(status, 201, "profile of {email}: {body}");
        token
    }

    /// A user with exactly `roles` (space-separated), set directly in the database; returns
    /// (user id, access token).
    pub async fn user_with_roles(&self, email: &str, roles: &str) -> (String, String) {
        let user = self.register(email).await;
        let id = user["id"].as_str().expect("id").to_owned();
        self.platform
            .sql
            .run(&Statement::new("UPDATE users SET roles = ?2 WHERE id = ?1").bind(id.as_str()).bind(roles))
            .await
            .expect("set roles");
        (id, access(&self.login(email).await))
    }
}

/// A shop to test against: a harness with a staff member (customer and staff roles), two
/// shoppers with profiles, and one product.
pub struct Shop {
    /// The routes under test, plus auth.
    pub h: Harness,
    /// A staff member's access token.
    pub staff: String,
    /// A shopper's access token.
    pub alice: String,
    /// Another shopper's access token.
    pub bob: String,
    /// The product's id: SKU `W`, "Widget", EUR 19.99.
    pub widget: String,
}

impl Shop {
    /// Opens the shop over `router`, which must hold the products and customers routes; the
    /// widget has `stock` units.
    pub async fn open(router: Router, stock: i64) -> Self {
        let h = Harness::with_router(router).await;
        let (_, staff) = h.user_with_roles("staff@example.com", "customer staff").await;
        let alice = h.shopper("Alice", "alice@example.com").await;
        let bob = h.shopper("Bob", "bob@example.com").await;
        let product = json!({"sku": "W", "name": "Widget", "price_minor": 1999, "currency": "EUR", "stock": stock});
        let (status, created, _) = h.send("POST", "/v1/products", Some(&staff), &[], Some(&product)).await;
        assert_eq!(status, 201, "{created}");
        let widget = created["id"].as_str().expect("product id").to_owned();
        Self { h, staff, alice, bob, widget }
    }
}

/// The access token in a token response.
pub fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().expect("access_token").to_owned()
}

/// The `code` of a problem body.
pub fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}
