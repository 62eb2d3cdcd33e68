//! Token verification: RFC 7519 vectors and the attacks a verifier must refuse.

use std::rc::Rc;

use ed25519_dalek::{Signer, SigningKey};
use identity::TokenSettings;
use identity::crypto::{b64url, b64url_decode, hmac_sha256};
use identity::keys::SigningKeys;
use identity::tokens::{
    ACCESS_TOKEN_TYPE, AccessClaims, ChallengeClaims, MFA_CHALLENGE_TYPE, Registered, TokenError, challenge_audience,
    check_header, issue, parse, verify, verify_access, verify_signature_and_time,
};
use jwt_compact::alg::{Hs256, Hs256Key};
use serde_json::{Value, json};

const SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const NOW: i64 = 1_800_000_000;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/jwt_rfc7519.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn rfc7519_example_verifies_with_an_injected_clock_and_its_unsecured_twin_is_refused() {
    let v = vectors();
    let key = Hs256Key::new(b64url_decode(v["hs256_key_base64url"].as_str().unwrap()).unwrap());
    let at = v["verify_at_unix_time"].as_i64().unwrap();

    let token = parse(v["hs256_token"].as_str().unwrap()).unwrap();
    check_header(&token, "HS256", Some("JWT")).unwrap();
    let claims: Value = verify_signature_and_time(&Hs256, &key, &token, at, 0).unwrap();
    assert_eq!(claims["iss"], "joe");
    assert_eq!(claims["http://example.com/is_root"], true);
    // One second after `exp` (no leeway) it is expired.
    let late: Result<Value, _> = verify_signature_and_time(&Hs256, &key, &token, at + 2, 0);
    assert_eq!(late.unwrap_err(), TokenError::Expired);

    let unsecured = parse(v["unsecured_token_must_be_refused"].as_str().unwrap()).unwrap();
    assert_eq!(check_header(&unsecured, "HS256", Some("JWT")).unwrap_err(), TokenError::Algorithm);
    let forced: Result<Value, _> = verify_signature_and_time(&Hs256, &key, &unsecured, at, 0);
    assert_eq!(forced.unwrap_err(), TokenError::Signature, "even if a caller skipped the header check");
}

fn settings() -> TokenSettings {
    TokenSettings {
        issuer: "orderflow".into(),
        audience: "orderflow-api".into(),
        access_ttl: 900,
        leeway: 30,
        keys: Rc::new(SigningKeys::parse(&format!("k1:{SEED}")).unwrap()),
    }
}

fn access_claims(sub: &str) -> AccessClaims {
    AccessClaims {
        registered: Registered {
            iss: "orderflow".into(),
            aud: "orderflow-api".into(),
            sub: sub.into(),
            jti: "j".into(),
        },
        sid: "session-1".into(),
        roles: vec!["customer".into()],
    }
}

fn check(token: &str) -> Result<AccessClaims, TokenError> {
    let s = settings();
    verify::<AccessClaims>(&s, ACCESS_TOKEN_TYPE, &s.audience, token, NOW)
}

/// Hand-assembles a token, signing with our real key unless told otherwise.
fn forge(header: Value, claims: Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let signing_input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    format!("{signing_input}.{}", b64url(&sign(signing_input.as_bytes())))
}

fn real_key() -> SigningKey {
    SigningKey::from_bytes(&b64url_decode(SEED).unwrap().try_into().unwrap())
}

fn with_real_key(input: &[u8]) -> Vec<u8> {
    real_key().sign(input).to_bytes().to_vec()
}

fn good_claims() -> Value {
    json!({"iss":"orderflow","aud":"orderflow-api","sub":"u1","jti":"j","sid":"s","roles":[],"iat":NOW,"nbf":NOW,"exp":NOW+600})
}

fn good_header() -> Value {
    json!({"alg":"EdDSA","typ":"at+jwt","kid":"k1"})
}

#[test]
fn issued_access_tokens_verify() {
    let s = settings();
    let token = issue(&s, ACCESS_TOKEN_TYPE, access_claims("u1"), NOW, 900).unwrap();
    assert_eq!(check(&token).unwrap(), access_claims("u1"));
    assert!(check(&forge(good_header(), good_claims(), with_real_key)).is_ok(), "the forge helper makes valid tokens");
}

#[test]
fn attacks_are_refused() {
    let public_x = b64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
    let attacker = SigningKey::from_bytes(&[7u8; 32]);
    let attacker_sign = |input: &[u8]| attacker.sign(input).to_bytes().to_vec();
    let mut expired = good_claims();
    expired["exp"] = json!(NOW - 31);
    let mut immature = good_claims();
    immature["nbf"] = json!(NOW + 31);
    let mut foreign_issuer = good_claims();
    foreign_issuer["iss"] = json!("evil");
    let mut foreign_audience = good_claims();
    foreign_audience["aud"] = json!("other-api");
    let mut no_exp = good_claims();
    no_exp.as_object_mut().unwrap().remove("exp");

    let cases: Vec<(&str, String, TokenError)> = vec![
        (
            "alg none",
            forge(json!({"alg":"none","typ":"at+jwt","kid":"k1"}), good_claims(), |_| vec![]),
            TokenError::Algorithm,
        ),
        (
            "HS256 keyed with the public key (algorithm confusion)",
            forge(json!({"alg":"HS256","typ":"at+jwt","kid":"k1"}), good_claims(), |i| {
                hmac_sha256(&public_x, i).to_vec()
            }),
            TokenError::Algorithm,
        ),
        (
            "unknown kid",
            forge(json!({"alg":"EdDSA","typ":"at+jwt","kid":"k9"}), good_claims(), with_real_key),
            TokenError::UnknownKey,
        ),
        (
            "path traversal kid",
            forge(json!({"alg":"EdDSA","typ":"at+jwt","kid":"../../etc/passwd"}), good_claims(), with_real_key),
            TokenError::UnknownKey,
        ),
        (
            "missing kid",
            forge(json!({"alg":"EdDSA","typ":"at+jwt"}), good_claims(), with_real_key),
            TokenError::UnknownKey,
        ),
        (
            "jku injection",
            forge(
                json!({"alg":"EdDSA","typ":"at+jwt","kid":"k1","jku":"https://evil.example/jwks"}),
                good_claims(),
                attacker_sign,
            ),
            TokenError::ForbiddenHeader,
        ),
        (
            "embedded jwk",
            forge(
                json!({"alg":"EdDSA","typ":"at+jwt","kid":"k1","jwk":{"kty":"OKP","crv":"Ed25519","x":b64url(attacker.verifying_key().as_bytes())}}),
                good_claims(),
                attacker_sign,
            ),
            TokenError::ForbiddenHeader,
        ),
        ("signed by another key", forge(good_header(), good_claims(), attacker_sign), TokenError::Signature),
        ("expired", forge(good_header(), expired, with_real_key), TokenError::Expired),
        ("no exp", forge(good_header(), no_exp, with_real_key), TokenError::Expired),
        ("not yet valid", forge(good_header(), immature, with_real_key), TokenError::NotYetValid),
        ("wrong issuer", forge(good_header(), foreign_issuer, with_real_key), TokenError::Issuer),
        ("wrong audience", forge(good_header(), foreign_audience, with_real_key), TokenError::Audience),
        ("untyped", forge(json!({"alg":"EdDSA","kid":"k1"}), good_claims(), with_real_key), TokenError::Type),
        ("garbage", "not.a.jwt".into(), TokenError::Malformed),
        ("refresh token shape", "p3Lh2uJmYH1Qq0N4b8xk1Qm6Q2m0YkK5nJ3d7Zp9Hc".into(), TokenError::Malformed),
    ];
    for (name, token, expected) in cases {
        assert_eq!(check(&token).unwrap_err(), expected, "{name}");
    }
}

#[test]
fn tampered_payloads_fail_the_signature() {
    let token = issue(&settings(), ACCESS_TOKEN_TYPE, access_claims("u1"), NOW, 900).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64url_decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64url(claims.to_string().as_bytes()), parts[2]);
    assert_eq!(check(&tampered).unwrap_err(), TokenError::Signature);
}

#[test]
fn an_mfa_challenge_is_never_an_access_token_and_vice_versa() {
    let s = settings();
    let registered =
        Registered { iss: s.issuer.clone(), aud: challenge_audience(&s), sub: "u1".into(), jti: "j".into() };
    let challenge = issue(&s, MFA_CHALLENGE_TYPE, ChallengeClaims { registered }, NOW, 300).unwrap();
    assert_eq!(check(&challenge).unwrap_err(), TokenError::Type);
    let access = issue(&s, ACCESS_TOKEN_TYPE, access_claims("u1"), NOW, 900).unwrap();
    let as_challenge = verify::<ChallengeClaims>(&s, MFA_CHALLENGE_TYPE, &challenge_audience(&s), &access, NOW);
    assert_eq!(as_challenge.unwrap_err(), TokenError::Type);
    assert!(verify::<ChallengeClaims>(&s, MFA_CHALLENGE_TYPE, &challenge_audience(&s), &challenge, NOW).is_ok());
}

#[test]
fn leeway_tolerates_small_skew_only() {
    let s = settings();
    let token = issue(&s, ACCESS_TOKEN_TYPE, access_claims("u1"), NOW, 60).unwrap();
    assert!(verify::<AccessClaims>(&s, ACCESS_TOKEN_TYPE, &s.audience, &token, NOW + 60 + 30).is_ok());
    assert_eq!(
        verify::<AccessClaims>(&s, ACCESS_TOKEN_TYPE, &s.audience, &token, NOW + 60 + 31).unwrap_err(),
        TokenError::Expired
    );
    assert!(verify::<AccessClaims>(&s, ACCESS_TOKEN_TYPE, &s.audience, &token, NOW - 30).is_ok());
    assert_eq!(
        verify::<AccessClaims>(&s, ACCESS_TOKEN_TYPE, &s.audience, &token, NOW - 31).unwrap_err(),
        TokenError::NotYetValid
    );
}

#[test]
fn remembered_signatures_never_skip_the_time_issuer_or_audience_checks() {
    let s = settings();
    let token = issue(&s, ACCESS_TOKEN_TYPE, access_claims("u1"), NOW, 900).unwrap();
    assert_eq!(verify_access(&s, &token, NOW).unwrap(), access_claims("u1"));
    assert_eq!(verify_access(&s, &token, NOW + 60).unwrap(), access_claims("u1"), "remembered");
    assert_eq!(verify_access(&s, &token, NOW + 900 + 31).unwrap_err(), TokenError::Expired, "expiry still applies");
    assert_eq!(verify_access(&s, &token, NOW - 31).unwrap_err(), TokenError::NotYetValid);
    let other_audience = TokenSettings { audience: "someone-else".into(), keys: Rc::clone(&s.keys), ..settings() };
    assert_eq!(verify_access(&other_audience, &token, NOW).unwrap_err(), TokenError::Audience);

    // A forged signature is refused every time (nothing is remembered for it).
    let forged = forge(good_header(), good_claims(), |_| vec![0; 64]);
    for _ in 0..2 {
        assert_eq!(verify_access(&s, &forged, NOW).unwrap_err(), TokenError::Signature);
    }
    // New keys (a rotation that dropped k1): what k1 signed is checked again, and refused.
    let rotated = TokenSettings {
        keys: Rc::new(SigningKeys::parse("k2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap()),
        ..settings()
    };
    assert_eq!(verify_access(&rotated, &token, NOW).unwrap_err(), TokenError::UnknownKey);
}
