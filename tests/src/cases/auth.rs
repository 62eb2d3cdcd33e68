//! Accounts, tokens, refresh rotation, MFA, RBAC, API keys and the JWT attack suite.

use std::time::Duration;

use auth::totp::{base32_decode, code_for_step, step_at};
use ed25519_dalek::{Signer, SigningKey};
use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::{PASSWORD, access, admin_token, customer, email, forge, register, server_signature, sign_in};
use crate::secrets::{AUDIENCE, ISSUER, REFRESH_GRACE_SECONDS, SIGNING_KID};

pub const CASES: &[Case] = &[
    ("auth::register_and_me", register_and_me),
    ("auth::register_refuses_bad_input", register_refuses_bad_input),
    ("auth::password_grant_errors", password_grant_errors),
    ("auth::refresh_rotation_grace_and_reuse", refresh_rotation_grace_and_reuse),
    ("auth::parallel_refreshes_yield_one_live_successor", parallel_refreshes_yield_one_live_successor),
    ("auth::logout_and_logout_all", logout_and_logout_all),
    ("auth::totp_mfa_and_backup_codes", totp_mfa_and_backup_codes),
    ("auth::rbac_on_admin_endpoints", rbac_on_admin_endpoints),
    ("auth::api_keys_scope_and_revoke", api_keys_scope_and_revoke),
    ("auth::jwt_attacks_are_refused_with_401", jwt_attacks_are_refused_with_401),
    ("auth::failed_sign_ins_are_throttled", failed_sign_ins_are_throttled),
    ("auth::jwks_publishes_public_keys", jwks_publishes_public_keys),
    ("auth::external_idp_tokens_are_verified_against_its_jwks", external_idp_tokens_are_verified_against_its_jwks),
];

fn json_call(
    target: &Target,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<(u16, Value), String> {
    let mut builder = request(method, &target.base_url, path).json(body);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    let response = send(builder)?;
    let status = response.status().as_u16();
    Ok((status, response.json().unwrap_or(Value::Null)))
}

fn get(target: &Target, path: &str, token: &str) -> Result<(u16, Value), String> {
    let response = send(request(Method::GET, &target.base_url, path).bearer_auth(token))?;
    let status = response.status().as_u16();
    Ok((status, response.json().unwrap_or(Value::Null)))
}

fn refresh(target: &Target, token: &str) -> Result<(u16, Value), String> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&form))?;
    let status = response.status().as_u16();
    Ok((status, response.json().unwrap_or(Value::Null)))
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

fn register_and_me(target: &Target) -> Outcome {
    let address = email("me");
    let user = register(target, &address.to_uppercase())?;
    ensure_eq(user["email"].as_str(), Some(address.as_str()), "email is normalised")?;
    ensure_eq(user["roles"].clone(), json!(["customer"]), "roles")?;
    let (status, tokens) = sign_in(target, &address, PASSWORD)?;
    ensure_eq(status, 200, "sign-in")?;
    ensure_eq(tokens["token_type"].as_str(), Some("Bearer"), "token_type")?;
    ensure(tokens["expires_in"].as_i64().is_some_and(|s| s > 0), || format!("expires_in: {tokens}"))?;
    let (status, me) = get(target, "/v1/users/me", &access(&tokens))?;
    ensure_eq(status, 200, "me")?;
    ensure_eq(me["id"].clone(), user["id"].clone(), "me.id")
}

fn register_refuses_bad_input(target: &Target) -> Outcome {
    let taken = email("dup");
    register(target, &taken)?;
    let cases = [
        (json!({"email": taken, "password": PASSWORD}), 409, "email_taken"),
        (json!({"email": email("mass"), "password": PASSWORD, "roles": ["admin"]}), 422, "invalid_body"),
        (json!({"email": email("weak"), "password": "password1234"}), 422, "weak_password"),
        (json!({"email": "nope", "password": PASSWORD}), 422, "invalid_email"),
        (json!({"email": 42, "password": PASSWORD}), 422, "invalid_body"),
    ];
    for (body, status, expected) in cases {
        let response = send(request(Method::POST, &target.base_url, "/v1/auth/register").json(&body))?;
        expect_problem(response, status, expected).map_err(|e| format!("{body}: {e}"))?;
    }
    // The foundation's body contract, on a real JSON endpoint.
    let wrong_type = request(Method::POST, &target.base_url, "/v1/auth/register")
        .header("content-type", "text/plain")
        .body(r#"{"email":"a@b.co"}"#);
    expect_problem(send(wrong_type)?, 415, "unsupported_media_type")?;
    let malformed = request(Method::POST, &target.base_url, "/v1/auth/register")
        .header("content-type", "application/json")
        .body(r#"{"email": "#);
    expect_problem(send(malformed)?, 400, "malformed_json")?;
    // Nothing was created by the refused mass-assignment attempt.
    let (status, _) = sign_in(target, "nope", PASSWORD)?;
    ensure_eq(status, 400, "refused registrations created nothing")
}

fn password_grant_errors(target: &Target) -> Outcome {
    let (user, _) = customer(target, "grant")?;
    let address = user["email"].as_str().unwrap_or_default();
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&[
        ("grant_type", "password"),
        ("username", address),
        ("password", "not the password!"),
    ]))?;
    let problem = expect_problem(response, 400, "invalid_grant")?;
    ensure_eq(problem["error"].as_str(), Some("invalid_grant"), "RFC 6749 error member")?;
    let unknown =
        send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&[("grant_type", "client_credentials")]))?;
    expect_problem(unknown, 400, "unsupported_grant_type")?;
    let as_json =
        send(request(Method::POST, &target.base_url, "/v1/auth/token").json(&json!({"grant_type": "password"})))?;
    expect_problem(as_json, 415, "unsupported_media_type").map(drop)
}

fn refresh_rotation_grace_and_reuse(target: &Target) -> Outcome {
    let (_, first) = customer(target, "rotate")?;
    let parent = first["refresh_token"].as_str().unwrap_or_default().to_owned();
    let (status, second) = refresh(target, &parent)?;
    ensure_eq(status, 200, "rotation")?;
    let successor = second["refresh_token"].as_str().unwrap_or_default().to_owned();
    ensure(successor != parent && !successor.is_empty(), || "a new refresh token".into())?;
    let (status, retry) = refresh(target, &parent)?;
    ensure_eq(status, 200, "retry within grace")?;
    ensure_eq(retry["refresh_token"].as_str(), Some(successor.as_str()), "same successor within grace")?;

    std::thread::sleep(Duration::from_secs(REFRESH_GRACE_SECONDS + 1));
    let (status, problem) = refresh(target, &parent)?;
    ensure_eq((status, code(&problem)), (400, "invalid_grant"), "reuse after grace")?;
    let (status, _) = refresh(target, &successor)?;
    ensure_eq(status, 400, "the family was revoked")?;
    let (status, _) = get(target, "/v1/users/me", &access(&second))?;
    ensure_eq(status, 401, "its access tokens too")
}

fn parallel_refreshes_yield_one_live_successor(target: &Target) -> Outcome {
    let (_, tokens) = customer(target, "race")?;
    let parent = tokens["refresh_token"].as_str().unwrap_or_default().to_owned();
    let results: Vec<Result<(u16, Value), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16).map(|_| scope.spawn(|| refresh(target, &parent))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
    });
    let mut successors = Vec::new();
    for result in results {
        let (status, body) = result?;
        ensure_eq(status, 200, "every concurrent refresh inside the grace window succeeds")?;
        successors.push(body["refresh_token"].as_str().unwrap_or_default().to_owned());
    }
    successors.dedup();
    ensure_eq(successors.len(), 1, "distinct successors")?;
    // That one successor is live and rotates normally; the family is intact.
    let (status, next) = refresh(target, &successors[0])?;
    ensure_eq(status, 200, "the successor rotates")?;
    let (status, _) = get(target, "/v1/users/me", &access(&next))?;
    ensure_eq(status, 200, "session still live")
}

fn logout_and_logout_all(target: &Target) -> Outcome {
    let (user, a) = customer(target, "logout")?;
    let address = user["email"].as_str().unwrap_or_default();
    let (_, b) = sign_in(target, address, PASSWORD)?;
    let (_, c) = sign_in(target, address, PASSWORD)?;
    let (status, _) = json_call(target, Method::POST, "/v1/auth/logout", Some(&access(&a)), &json!({}))?;
    ensure_eq(status, 204, "logout")?;
    ensure_eq(get(target, "/v1/users/me", &access(&a))?.0, 401, "logged-out access token")?;
    ensure_eq(refresh(target, a["refresh_token"].as_str().unwrap_or_default())?.0, 400, "logged-out refresh token")?;
    ensure_eq(get(target, "/v1/users/me", &access(&b))?.0, 200, "other session")?;
    let (status, _) = json_call(target, Method::POST, "/v1/auth/logout-all", Some(&access(&b)), &json!({}))?;
    ensure_eq(status, 204, "logout-all")?;
    ensure_eq(get(target, "/v1/users/me", &access(&b))?.0, 401, "session b")?;
    ensure_eq(get(target, "/v1/users/me", &access(&c))?.0, 401, "session c")
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn totp_mfa_and_backup_codes(target: &Target) -> Outcome {
    let (user, tokens) = customer(target, "mfa")?;
    let address = user["email"].as_str().unwrap_or_default().to_owned();
    let token = access(&tokens);
    let (status, enrolment) = json_call(target, Method::POST, "/v1/auth/mfa/totp/enroll", Some(&token), &json!({}))?;
    ensure_eq(status, 200, "enroll")?;
    ensure(enrolment["otpauth_uri"].as_str().is_some_and(|u| u.starts_with("otpauth://totp/")), || {
        format!("{enrolment}")
    })?;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap_or_default())
        .ok_or_else(|| format!("secret is not base32: {enrolment}"))?;
    let confirm_step = step_at(unix_now());
    let confirm_code = code_for_step(&secret, confirm_step);
    let confirm_path = "/v1/auth/mfa/totp/confirm";
    let (status, _) = json_call(target, Method::POST, confirm_path, Some(&token), &json!({"code": confirm_code}))?;
    ensure_eq(status, 422, "confirm without the password")?;
    let (status, confirmed) = json_call(
        target,
        Method::POST,
        confirm_path,
        Some(&token),
        &json!({"code": confirm_code, "password": PASSWORD}),
    )?;
    ensure_eq(status, 200, "confirm")?;
    let backups: Vec<String> = confirmed["backup_codes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    ensure_eq(backups.len(), 10, "backup codes")?;

    let (status, challenge) = sign_in(target, &address, PASSWORD)?;
    ensure_eq((status, code(&challenge)), (403, "mfa_required"), "password alone")?;
    let mfa_token = challenge["mfa_token"].as_str().unwrap_or_default().to_owned();
    ensure_eq(get(target, "/v1/users/me", &mfa_token)?.0, 401, "challenge token as access token")?;

    let verify = |body: Value| json_call(target, Method::POST, "/v1/auth/mfa/verify", None, &body);
    let (status, _) = verify(json!({"mfa_token": mfa_token, "code": confirm_code}))?;
    ensure_eq(status, 400, "a code cannot be used twice in its step")?;
    let (status, signed_in) = verify(json!({"mfa_token": mfa_token, "backup_code": backups[0]}))?;
    ensure_eq(status, 200, "backup code")?;
    ensure(signed_in["access_token"].is_string(), || format!("{signed_in}"))?;
    let (status, _) = verify(json!({"mfa_token": mfa_token, "backup_code": backups[0]}))?;
    ensure_eq(status, 400, "backup codes are single use")?;

    // Wait for the next time step, then a fresh TOTP code signs in.
    while step_at(unix_now()) <= confirm_step {
        std::thread::sleep(Duration::from_millis(500));
    }
    let fresh = code_for_step(&secret, step_at(unix_now()));
    let (status, signed_in) = verify(json!({"mfa_token": mfa_token, "code": fresh}))?;
    ensure_eq(status, 200, "fresh TOTP code")?;
    ensure_eq(get(target, "/v1/users/me", &access(&signed_in))?.0, 200, "MFA session works")
}

fn rbac_on_admin_endpoints(target: &Target) -> Outcome {
    let admin = admin_token(target)?;
    let (_, customer_tokens) = customer(target, "rbac-customer")?;
    let (staff_user, _) = customer(target, "rbac-staff")?;
    let staff_id = staff_user["id"].as_str().unwrap_or_default();
    let roles_path = format!("/v1/admin/users/{staff_id}/roles");

    let (status, problem) = get(target, "/v1/admin/users", &access(&customer_tokens))?;
    ensure_eq((status, code(&problem)), (403, "forbidden"), "customer lists users")?;
    let (status, _) =
        json_call(target, Method::PUT, &roles_path, Some(&access(&customer_tokens)), &json!({"roles": ["admin"]}))?;
    ensure_eq(status, 403, "customer changes roles")?;

    let (status, updated) =
        json_call(target, Method::PUT, &roles_path, Some(&admin), &json!({"roles": ["customer", "staff"]}))?;
    ensure_eq(status, 200, "admin changes roles")?;
    ensure_eq(updated["roles"].clone(), json!(["customer", "staff"]), "new roles")?;
    let (_, staff_tokens) = sign_in(target, staff_user["email"].as_str().unwrap_or_default(), PASSWORD)?;
    ensure_eq(get(target, "/v1/admin/users", &access(&staff_tokens))?.0, 403, "staff lists users")?;
    let (status, _) =
        json_call(target, Method::PUT, &roles_path, Some(&access(&staff_tokens)), &json!({"roles": ["admin"]}))?;
    ensure_eq(status, 403, "staff promotes itself")?;

    let (status, page) = get(target, "/v1/admin/users?limit=1", &admin)?;
    ensure_eq(status, 200, "admin lists users")?;
    ensure_eq(page["items"].as_array().map(Vec::len), Some(1), "page size")?;
    let (status, _) = get(target, "/v1/admin/users?limit=1&role=admin", &admin)?;
    ensure_eq(status, 400, "unknown query parameter")
}

fn api_keys_scope_and_revoke(target: &Target) -> Outcome {
    let (_, tokens) = customer(target, "keys")?;
    let token = access(&tokens);
    let (status, problem) = json_call(
        target,
        Method::POST,
        "/v1/api-keys",
        Some(&token),
        &json!({"name": "x", "scopes": ["users:manage"]}),
    )?;
    ensure_eq((status, code(&problem)), (422, "scope_not_allowed"), "scope beyond the creator")?;
    let (status, created) = json_call(
        target,
        Method::POST,
        "/v1/api-keys",
        Some(&token),
        &json!({"name": "ci", "scopes": ["orders:read"]}),
    )?;
    ensure_eq(status, 201, "create")?;
    let key = created["api_key"].as_str().unwrap_or_default().to_owned();
    let id = created["id"].as_str().unwrap_or_default().to_owned();

    let via_header = send(request(Method::GET, &target.base_url, "/v1/users/me").header("x-api-key", &key))?;
    ensure_eq(via_header.status().as_u16(), 200, "X-API-Key")?;
    ensure_eq(get(target, "/v1/users/me", &key)?.0, 200, "Authorization: Bearer <key>")?;
    ensure_eq(get(target, "/v1/api-keys", &key)?.0, 403, "key without api_keys:manage")?;
    let (status, listed) = get(target, "/v1/api-keys", &token)?;
    ensure_eq(status, 200, "list")?;
    ensure(!listed.to_string().contains(&key), || "the secret is never listed".into())?;

    let revoke = send(request(Method::DELETE, &target.base_url, &format!("/v1/api-keys/{id}")).bearer_auth(&token))?;
    ensure_eq(revoke.status().as_u16(), 204, "revoke")?;
    let refused = send(request(Method::GET, &target.base_url, "/v1/users/me").header("x-api-key", &key))?;
    expect_problem(refused, 401, "invalid_token").map(drop)
}

fn claims(sub: &str, sid: &str, now: i64) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "jti": "forged", "sid": sid, "roles": ["admin"],
           "iat": now, "nbf": now, "exp": now + 600})
}

fn jwt_attacks_are_refused_with_401(target: &Target) -> Outcome {
    let (user, tokens) = customer(target, "attack")?;
    let real = access(&tokens);
    let sub = user["id"].as_str().unwrap_or_default().to_owned();
    let real_claims: Value = {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let payload = real.split('.').nth(1).unwrap_or_default();
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(payload).unwrap_or_default()).unwrap_or(Value::Null)
    };
    let sid = real_claims["sid"].as_str().unwrap_or_default().to_owned();
    let now = unix_now();
    let jwt_header = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": SIGNING_KID});
    ensure_eq(
        get(target, "/v1/users/me", &forge(&jwt_header, &claims(&sub, &sid, now), server_signature))?.0,
        200,
        "control: a well-formed forged-with-the-real-key token works",
    )?;

    let public_key = crate::fixtures::server_key().verifying_key().to_bytes();
    let attacker = SigningKey::from_bytes(&[9u8; 32]);
    let attacker_sign = |input: &[u8]| attacker.sign(input).to_bytes().to_vec();
    let hs256_with_public_key = |input: &[u8]| {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&public_key).expect("any key length");
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    };
    let with = |patch: Value| {
        let mut c = claims(&sub, &sid, now);
        for (k, v) in patch.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        c
    };
    let tampered = {
        let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
        let mut payload = real_claims.clone();
        payload["roles"] = json!(["admin"]);
        payload["sub"] = json!("someone-else");
        parts[1] = crate::fixtures::b64url(payload.to_string().as_bytes());
        parts.join(".")
    };
    let revoked = {
        let (_, session) = customer(target, "attack-revoked")?;
        let token = access(&session);
        json_call(target, Method::POST, "/v1/auth/logout", Some(&token), &json!({}))?;
        token
    };
    let attacks: Vec<(&str, String)> = vec![
        (
            "alg none",
            forge(&json!({"alg": "none", "typ": "at+jwt", "kid": SIGNING_KID}), &claims(&sub, &sid, now), |_| vec![]),
        ),
        (
            "HS256 keyed with the public key",
            forge(
                &json!({"alg": "HS256", "typ": "at+jwt", "kid": SIGNING_KID}),
                &claims(&sub, &sid, now),
                hs256_with_public_key,
            ),
        ),
        (
            "unknown kid",
            forge(
                &json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "rotated-out"}),
                &claims(&sub, &sid, now),
                server_signature,
            ),
        ),
        (
            "traversal kid",
            forge(
                &json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "../../../../dev/null"}),
                &claims(&sub, &sid, now),
                server_signature,
            ),
        ),
        (
            "jku injection",
            forge(
                &json!({"alg": "EdDSA", "typ": "at+jwt", "kid": SIGNING_KID, "jku": "https://evil.example/jwks.json"}),
                &claims(&sub, &sid, now),
                attacker_sign,
            ),
        ),
        (
            "jwk injection",
            forge(
                &json!({"alg": "EdDSA", "typ": "at+jwt", "kid": SIGNING_KID, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": crate::fixtures::b64url(attacker.verifying_key().as_bytes())}}),
                &claims(&sub, &sid, now),
                attacker_sign,
            ),
        ),
        ("tampered payload", tampered),
        (
            "expired",
            forge(
                &jwt_header,
                &with(json!({"exp": now - 120, "iat": now - 1000, "nbf": now - 1000})),
                server_signature,
            ),
        ),
        ("not yet valid", forge(&jwt_header, &with(json!({"nbf": now + 3600, "exp": now + 7200})), server_signature)),
        ("wrong issuer", forge(&jwt_header, &with(json!({"iss": "https://evil.example"})), server_signature)),
        ("wrong audience", forge(&jwt_header, &with(json!({"aud": "another-api"})), server_signature)),
        ("refresh token as access token", tokens["refresh_token"].as_str().unwrap_or_default().to_owned()),
        (
            "MFA challenge as access token",
            forge(
                &json!({"alg": "EdDSA", "typ": "mfa+jwt", "kid": SIGNING_KID}),
                &with(json!({"aud": format!("{AUDIENCE}#mfa")})),
                server_signature,
            ),
        ),
        ("revoked session", revoked),
        (
            "unknown session",
            forge(&jwt_header, &with(json!({"sid": "00000000-0000-4000-8000-000000000000"})), server_signature),
        ),
    ];
    for (name, token) in attacks {
        let response = send(request(Method::GET, &target.base_url, "/v1/users/me").bearer_auth(&token))?;
        let challenge = header(&response, "www-authenticate");
        expect_problem(response, 401, "invalid_token").map_err(|e| format!("{name}: {e}"))?;
        ensure(challenge.contains("invalid_token"), || format!("{name}: WWW-Authenticate {challenge:?}"))?;
    }
    Ok(())
}

fn failed_sign_ins_are_throttled(target: &Target) -> Outcome {
    let (user, _) = customer(target, "throttle")?;
    let address = user["email"].as_str().unwrap_or_default();
    for _ in 0..5 {
        ensure_eq(sign_in(target, address, "definitely wrong!!")?.0, 400, "wrong password")?;
    }
    let form = [("grant_type", "password"), ("username", address), ("password", PASSWORD)];
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&form))?;
    let retry_after = header(&response, "retry-after");
    expect_problem(response, 429, "too_many_attempts")?;
    let seconds: u64 = retry_after.parse().map_err(|_| format!("Retry-After {retry_after:?}"))?;
    std::thread::sleep(Duration::from_secs(seconds));
    ensure_eq(sign_in(target, address, PASSWORD)?.0, 200, "after Retry-After")
}

fn jwks_publishes_public_keys(target: &Target) -> Outcome {
    let response = send(request(Method::GET, &target.base_url, "/.well-known/jwks.json"))?;
    ensure_eq(response.status().as_u16(), 200, "status")?;
    let jwks: Value = response.json().map_err(|e| e.to_string())?;
    let key = &jwks["keys"][0];
    ensure_eq(key["kid"].as_str(), Some(SIGNING_KID), "kid")?;
    ensure_eq(key["kty"].as_str(), Some("OKP"), "kty")?;
    ensure(key.get("d").is_none(), || "private key published!".into())
}

fn external_idp_tokens_are_verified_against_its_jwks(target: &Target) -> Outcome {
    use crate::cases::tracing;
    use crate::idp;
    // Every request of this case carries this runtime's own trace, so the JWKS fetches it
    // causes can be told from the other runtime's (W3C Trace Context propagation).
    let trace = tracing::trace_id(target, 3);
    let traced = |path: &str, token: &str| {
        send(
            request(Method::GET, &target.base_url, path)
                .bearer_auth(token)
                .header("traceparent", tracing::traceparent(&trace))
                .header("tracestate", "contract=auth"),
        )
    };
    // A customer from the external issuer may list (their own, so no) orders: this runtime's
    // first external token, so its key set is fetched now.
    let token = idp::token(idp::KID, json!({}));
    let response = traced("/v1/orders", &token)?;
    let status = response.status().as_u16();
    let page: Value = response.json().unwrap_or(Value::Null);
    ensure_eq((status, page["total"].as_i64()), (200, Some(0)), "external customer lists orders")?;
    let ours = || {
        idp::jwks_trace_headers()
            .into_iter()
            .filter(|seen| seen.traceparent.as_deref().is_some_and(|t| t.starts_with(&format!("00-{trace}-"))))
            .collect::<Vec<_>>()
    };
    let Some(first) = ours().into_iter().next() else {
        return Err(format!("no JWKS fetch carried trace {trace}; seen: {:?}", idp::jwks_trace_headers()));
    };
    let traceparent = first.traceparent.unwrap_or_default();
    let span = traceparent.get(36..52).unwrap_or_default();
    ensure(tracing::is_trace_hex(span, 16) && span != tracing::CALLER_SPAN && traceparent.ends_with("-01"), || {
        format!("the fetch's parent is the request's own span, sampled: {traceparent}")
    })?;
    ensure_eq(first.tracestate.as_deref(), Some("contract=auth"), "tracestate passed on to the fetch")?;
    ensure_eq(
        traced("/v1/admin/users", &token)?.status().as_u16(),
        403,
        "external callers get only the configured roles",
    )?;
    for (name, bad) in [
        ("wrong audience", idp::token(idp::KID, json!({"aud": "another-api"}))),
        ("wrong issuer", idp::token(idp::KID, json!({"iss": "https://evil.example"}))),
        ("expired", idp::token(idp::KID, json!({"exp": 1_000_000}))),
        ("unknown kid", idp::token("never-published", json!({}))),
    ] {
        expect_problem(traced("/v1/orders", &bad)?, 401, "invalid_token").map_err(|e| format!("{name}: {e}"))?;
    }
    for _ in 0..5 {
        let response = traced("/v1/orders", &idp::token("another-unknown", json!({})))?;
        ensure_eq(response.status().as_u16(), 401, "unknown kid")?;
    }
    // The key set is cached; unknown kids refetch at most once a minute per instance.
    let fetched = ours().len();
    ensure((1..=2).contains(&fetched), || format!("{fetched} JWKS fetches on this runtime"))
}
