//! Tokens from an external OpenID Connect issuer, verified through the native adapters with a
//! fake issuer answering the JWKS requests (counted).

use std::rc::Rc;

use adapter_native::TestPlatform;
use bytes::Bytes;
use identity::external::{ExternalError, OidcSettings, clear_cache, verify};
use identity::permissions::Role;
use identity::tokens::TokenError;
use jwt_compact::alg::{Es256, Hs256, Hs256Key, Rsa, RsaPrivateKey, RsaPublicKey};
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{AlgorithmExt, Claims, Header};
use serde_json::{Value, json};

const ISSUER: &str = "https://idp.example.test";
const JWKS_URL: &str = "https://idp.example.test/jwks.json";

fn settings() -> OidcSettings {
    OidcSettings {
        issuer: ISSUER.into(),
        audience: "orderflow-api".into(),
        jwks_url: JWKS_URL.into(),
        roles: vec![Role::Customer],
        jwks_ttl_ms: 3_600_000,
        refetch_interval_ms: 60_000,
        leeway: 30,
    }
}

struct Issuer {
    ec: p256::ecdsa::SigningKey,
    rsa: RsaPrivateKey,
    weak_rsa: RsaPrivateKey,
}

impl Issuer {
    fn new() -> Self {
        let mut rng = rand_core::OsRng;
        Self {
            ec: p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap(),
            rsa: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            weak_rsa: RsaPrivateKey::new(&mut rng, 1024).unwrap(),
        }
    }

    fn jwks(&self) -> Value {
        let with_kid = |jwk: JsonWebKey<'_>, kid: &str| {
            let mut value = serde_json::to_value(jwk).unwrap();
            value["kid"] = json!(kid);
            value
        };
        let ec_public = *self.ec.verifying_key();
        let rsa_public = RsaPublicKey::from(&self.rsa);
        let weak_public = RsaPublicKey::from(&self.weak_rsa);
        json!({"keys": [
            with_kid(JsonWebKey::from(&ec_public), "ec-1"),
            with_kid(JsonWebKey::from(&rsa_public), "rsa-1"),
            with_kid(JsonWebKey::from(&weak_public), "rsa-weak"),
        ]})
    }
}

fn claims(now: i64, patch: Value) -> Claims<Value> {
    let mut custom = json!({"iss": ISSUER, "sub": "alice", "aud": ["orderflow-api", "other"]});
    for (k, v) in patch.as_object().unwrap() {
        custom[k] = v.clone();
    }
    let mut claims = Claims::new(custom);
    let at = |s: i64| chrono::DateTime::<chrono::Utc>::from_timestamp(s, 0).unwrap();
    claims.issued_at = Some(at(now));
    claims.expiration = Some(at(now + 300));
    claims
}

/// The reason a token was refused (panics if it was accepted or the issuer was unreachable).
fn refusal(result: Result<identity::external::ExternalClaims, ExternalError>) -> TokenError {
    match result {
        Err(ExternalError::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn platform_with(issuer: &Issuer) -> TestPlatform {
    let platform = TestPlatform::with_sql(Rc::new(adapter_native::NativeSql::empty()));
    let jwks = issuer.jwks().to_string();
    platform.http.respond_with(move |request| {
        assert_eq!(request.uri().to_string(), JWKS_URL);
        Ok(http::Response::builder().status(200).body(Bytes::from(jwks.clone())).unwrap())
    });
    platform
}

#[tokio::test]
async fn es256_and_rs256_tokens_from_the_issuer_verify() {
    clear_cache();
    let issuer = Issuer::new();
    let platform = platform_with(&issuer);
    let now = platform.platform().clock.now_seconds();
    let es = Es256.token(&Header::empty().with_key_id("ec-1"), &claims(now, json!({})), &issuer.ec).unwrap();
    let verified = verify(&platform.platform(), &settings(), &es).await.unwrap();
    assert_eq!(verified.sub, "alice");
    let rs = Rsa::rs256()
        .token(&Header::empty().with_key_id("rsa-1").with_token_type("JWT"), &claims(now, json!({})), &issuer.rsa)
        .unwrap();
    assert!(verify(&platform.platform(), &settings(), &rs).await.is_ok());
    assert_eq!(platform.http.sent_count(), 1, "one JWKS fetch serves both");
}

#[tokio::test]
async fn wrong_issuer_audience_time_algorithm_and_weak_keys_are_refused() {
    clear_cache();
    let issuer = Issuer::new();
    let platform = platform_with(&issuer);
    let ports = platform.platform();
    let now = ports.clock.now_seconds();
    let es = |patch: Value| Es256.token(&Header::empty().with_key_id("ec-1"), &claims(now, patch), &issuer.ec).unwrap();
    let mut expired = claims(now - 1000, json!({}));
    expired.expiration = Some(chrono::DateTime::from_timestamp(now - 100, 0).unwrap());
    let rsa_public_der = RsaPublicKey::from(&issuer.rsa);
    let hs_with_public = Hs256.token(
        &Header::empty().with_key_id("rsa-1"),
        &claims(now, json!({})),
        &Hs256Key::new(serde_json::to_vec(&JsonWebKey::from(&rsa_public_der)).unwrap()),
    );
    let cases: Vec<(&str, String, TokenError)> = vec![
        ("wrong issuer", es(json!({"iss": "https://evil.test"})), TokenError::Issuer),
        ("wrong audience", es(json!({"aud": "someone-else"})), TokenError::Audience),
        (
            "expired",
            Es256.token(&Header::empty().with_key_id("ec-1"), &expired, &issuer.ec).unwrap(),
            TokenError::Expired,
        ),
        ("HS256 keyed with the RSA public key", hs_with_public.unwrap(), TokenError::Algorithm),
        (
            "RS256 header over the EC key",
            Rsa::rs256().token(&Header::empty().with_key_id("ec-1"), &claims(now, json!({})), &issuer.rsa).unwrap(),
            TokenError::Algorithm,
        ),
        (
            "1024-bit RSA key",
            Rsa::rs256()
                .token(&Header::empty().with_key_id("rsa-weak"), &claims(now, json!({})), &issuer.weak_rsa)
                .unwrap(),
            TokenError::UnknownKey,
        ),
        (
            "jku header",
            Es256
                .token(
                    &Header::empty().with_key_id("ec-1").with_key_set_url("https://evil.test/jwks"),
                    &claims(now, json!({})),
                    &issuer.ec,
                )
                .unwrap(),
            TokenError::ForbiddenHeader,
        ),
    ];
    for (name, token, expected) in cases {
        assert_eq!(refusal(verify(&ports, &settings(), &token).await), expected, "{name}");
    }
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval_and_keys_are_shared_through_kv() {
    clear_cache();
    let issuer = Issuer::new();
    let platform = platform_with(&issuer);
    let ports = platform.platform();
    let now = ports.clock.now_seconds();
    let unknown = Es256.token(&Header::empty().with_key_id("rotated-in"), &claims(now, json!({})), &issuer.ec).unwrap();
    for _ in 0..5 {
        assert_eq!(refusal(verify(&ports, &settings(), &unknown).await), TokenError::UnknownKey);
    }
    assert_eq!(platform.http.sent_count(), 1, "five unknown kids, one fetch");
    platform.clock.advance(60_000);
    assert!(verify(&ports, &settings(), &unknown).await.is_err());
    assert_eq!(platform.http.sent_count(), 2, "one more after the interval");

    // Another instance (empty memory) finds the key set in KV without fetching.
    clear_cache();
    let known = Es256
        .token(&Header::empty().with_key_id("ec-1"), &claims(ports.clock.now_seconds(), json!({})), &issuer.ec)
        .unwrap();
    assert!(verify(&ports, &settings(), &known).await.is_ok());
    assert_eq!(platform.http.sent_count(), 2);
    // After the TTL the set is fetched again.
    platform.clock.advance(3_600_000);
    let later = Es256
        .token(&Header::empty().with_key_id("ec-1"), &claims(ports.clock.now_seconds(), json!({})), &issuer.ec)
        .unwrap();
    assert!(verify(&ports, &settings(), &later).await.is_ok());
    assert_eq!(platform.http.sent_count(), 3);
}

#[tokio::test]
async fn an_unreachable_issuer_without_cached_keys_is_unavailable_not_a_refusal() {
    clear_cache();
    let issuer = Issuer::new();
    let platform = TestPlatform::with_sql(Rc::new(adapter_native::NativeSql::empty()));
    platform.http.respond_with(|_| Ok(http::Response::builder().status(502).body(Bytes::new()).unwrap()));
    let ports = platform.platform();
    let token = Es256
        .token(&Header::empty().with_key_id("ec-1"), &claims(ports.clock.now_seconds(), json!({})), &issuer.ec)
        .unwrap();
    for _ in 0..3 {
        let outcome = verify(&ports, &settings(), &token).await;
        assert!(matches!(outcome, Err(ExternalError::Unavailable(_))), "{outcome:?}");
    }
    assert_eq!(platform.http.sent_count(), 1, "failed fetches are rate-limited too");
}
