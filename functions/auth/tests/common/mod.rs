//! A native test client for the auth function.
#![allow(dead_code)]

use adapter_native::TestPlatform;
use bytes::Bytes;
use serde_json::Value;
use web::{App, Response};

/// `k1` with the RFC 8037 test seed.
pub const SIGNING_KEYS: &str = "k1:nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
pub const AUTH_SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0";
pub const ADMIN_EMAIL: &str = "root@example.com";
pub const PASSWORD: &str = "a sound passphrase 42";

pub struct Harness {
    pub platform: TestPlatform,
    pub app: App,
}

impl Harness {
    pub async fn new() -> Self {
        let platform = TestPlatform::new().await;
        platform.config.set_secret("jwt_signing_keys", SIGNING_KEYS);
        platform.config.set_secret("auth_secret", AUTH_SECRET);
        platform.config.set_var("bootstrap_admin_email", ADMIN_EMAIL);
        Self { platform, app: App::new(auth::router()) }
    }

    pub async fn call(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value, Response) {
        let mut builder = http::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = self.platform.call(&self.app, builder.body(Bytes::copy_from_slice(body)).unwrap()).await;
        let json = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (response.status().as_u16(), json, response)
    }

    pub async fn json(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth));
        }
        let (status, json, _) = self.call(method, uri, &headers, body.to_string().as_bytes()).await;
        (status, json)
    }

    pub async fn get(&self, uri: &str, token: &str) -> (u16, Value) {
        let auth = format!("Bearer {token}");
        let (status, json, _) = self.call("GET", uri, &[("authorization", &auth)], b"").await;
        (status, json)
    }

    pub async fn form(&self, uri: &str, form: &str) -> (u16, Value) {
        let (status, json, _) =
            self.call("POST", uri, &[("content-type", "application/x-www-form-urlencoded")], form.as_bytes()).await;
        (status, json)
    }

    pub async fn register(&self, email: &str) -> Value {
        let (status, body) = self
            .json("POST", "/v1/auth/register", None, serde_json::json!({"email": email, "password": PASSWORD}))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn login(&self, email: &str) -> Value {
        let (status, body) =
            self.form("/v1/auth/token", &format!("grant_type=password&username={email}&password={PASSWORD}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.form("/v1/auth/token", &format!("grant_type=refresh_token&refresh_token={refresh_token}")).await
    }

    /// Registers and signs in; returns the access token.
    pub async fn user(&self, email: &str) -> String {
        self.register(email).await;
        self.login(email).await["access_token"].as_str().unwrap().to_owned()
    }
}

/// Decodes RFC 4648 base32 (no padding).
pub fn base32_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        bits = (bits << 5) | u64::from(value);
        count += 5;
        if count >= 8 {
            out.push((bits >> (count - 8)) as u8);
            count -= 8;
        }
    }
    out
}
