//! Whole auth flows through the native adapters.

use auth::totp::base32_decode;
use auth::totp::{code_for_step, step_at};
use serde_json::{Value, json};
use testkit::{ADMIN_EMAIL, Harness, PASSWORD};
use web::ports::Clock;

use testkit::code;

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

#[tokio::test]
async fn registration_validates_and_refuses_duplicates_and_self_assigned_roles() {
    let h = Harness::auth_only().await;
    let user = h.register("  Alice@Example.com ").await;
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["roles"], json!(["customer"]));

    let cases = [
        (json!({"email": "ALICE@example.com", "password": PASSWORD}), 409, "email_taken"),
        (json!({"email": "bob@example.com", "password": PASSWORD, "roles": ["admin"]}), 422, "invalid_body"),
        (json!({"email": "bob@example.com", "password": "password1234"}), 422, "weak_password"),
        (json!({"email": "bob@example.com", "password": "short"}), 422, "weak_password"),
        (json!({"email": "not-an-email", "password": PASSWORD}), 422, "invalid_email"),
        (json!({"email": "bob@example.com"}), 422, "invalid_body"),
    ];
    for (body, status, expected) in cases {
        let (got, problem) = h.json("POST", "/v1/auth/register", None, body.clone()).await;
        assert_eq!((got, code(&problem)), (status, expected), "{body}");
    }
    let (status, _, _) = h.call("POST", "/v1/auth/register", &[("content-type", "text/plain")], b"{}").await;
    assert_eq!(status, 415);
    let (status, problem, _) =
        h.call("POST", "/v1/auth/register", &[("content-type", "application/json")], b"{\"email\":").await;
    assert_eq!((status, code(&problem)), (400, "malformed_json"));
}

#[tokio::test]
async fn password_grant_issues_tokens_that_authenticate() {
    let h = Harness::auth_only().await;
    h.register("carol@example.com").await;
    let tokens = h.login("CAROL@example.com").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let (status, me) = h.get("/v1/users/me", tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "carol@example.com");

    let (status, problem) =
        h.form("/v1/auth/token", "grant_type=password&username=carol@example.com&password=wrong-password!!").await;
    assert_eq!((status, code(&problem), problem["error"].as_str()), (400, "invalid_grant", Some("invalid_grant")));
    let (status, problem) =
        h.form("/v1/auth/token", &format!("grant_type=password&username=nobody@example.com&password={PASSWORD}")).await;
    assert_eq!((status, code(&problem)), (400, "invalid_grant"), "unknown users get the same answer");
    let (status, problem) = h.form("/v1/auth/token", "grant_type=client_credentials").await;
    assert_eq!((status, code(&problem)), (400, "unsupported_grant_type"));
    let (status, _) = h.json("POST", "/v1/auth/token", None, json!({"grant_type": "password"})).await;
    assert_eq!(status, 415, "the token endpoint is form-encoded");
    let (status, problem) = h.get("/v1/users/me", "not-a-token").await;
    assert_eq!((status, code(&problem)), (401, "invalid_token"));
    let (status, problem, response) = h.call("GET", "/v1/users/me", &[], b"").await;
    assert_eq!((status, code(&problem)), (401, "unauthenticated"));
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
}

#[tokio::test]
async fn refresh_rotates_with_a_grace_window_and_reuse_revokes_the_family() {
    let h = Harness::auth_only().await;
    h.register("dave@example.com").await;
    let first = h.login("dave@example.com").await;
    let parent = first["refresh_token"].as_str().unwrap();

    let (status, second) = h.refresh(parent).await;
    assert_eq!(status, 200, "{second}");
    let successor = second["refresh_token"].as_str().unwrap();
    assert_ne!(successor, parent);

    // A retry inside the grace window gets the same successor, not a second one.
    h.platform.clock.advance(5_000);
    let (status, retry) = h.refresh(parent).await;
    assert_eq!(status, 200);
    assert_eq!(retry["refresh_token"], second["refresh_token"]);

    // Past the grace window, reuse of the parent is theft: the family is revoked.
    h.platform.clock.advance(6_000);
    let (status, problem) = h.refresh(parent).await;
    assert_eq!((status, code(&problem)), (400, "invalid_grant"));
    let (status, _) = h.refresh(successor).await;
    assert_eq!(status, 400, "the successor dies with its family");
    let (status, _) = h.get("/v1/users/me", second["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 401, "access tokens of a revoked session are refused");
    let events = h.platform.log.lines().into_iter().filter(|l| l.contains("refresh_token_reuse")).count();
    assert_eq!(events, 1, "one security event");
    assert!(!h.platform.log.lines().join("\n").contains(parent), "tokens are never logged");
}

#[tokio::test]
async fn a_rotated_chain_keeps_working_and_expired_tokens_do_not() {
    let h = Harness::auth_only().await;
    h.register("erin@example.com").await;
    let mut refresh = h.login("erin@example.com").await["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        h.platform.clock.advance(60_000);
        let (status, next) = h.refresh(&refresh).await;
        assert_eq!(status, 200);
        refresh = next["refresh_token"].as_str().unwrap().to_owned();
    }
    h.platform.clock.advance(31 * 24 * 3600 * 1000);
    assert_eq!(h.refresh(&refresh).await.0, 400, "refresh tokens expire");
}

#[tokio::test]
async fn logout_revokes_the_session_and_logout_all_every_session() {
    let h = Harness::auth_only().await;
    h.register("fay@example.com").await;
    let a = h.login("fay@example.com").await;
    let b = h.login("fay@example.com").await;
    let c = h.login("fay@example.com").await;
    let token = |t: &Value| t["access_token"].as_str().unwrap().to_owned();

    let (status, _) = h.json("POST", "/v1/auth/logout", Some(&token(&a)), json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(h.get("/v1/users/me", &token(&a)).await.0, 401);
    assert_eq!(h.refresh(a["refresh_token"].as_str().unwrap()).await.0, 400);
    assert_eq!(h.get("/v1/users/me", &token(&b)).await.0, 200, "other sessions live on");

    let (status, _) = h.json("POST", "/v1/auth/logout-all", Some(&token(&b)), json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(h.get("/v1/users/me", &token(&b)).await.0, 401);
    assert_eq!(h.get("/v1/users/me", &token(&c)).await.0, 401);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_client() {
    let h = Harness::auth_only().await;
    h.register("gus@example.com").await;
    let wrong = "grant_type=password&username=gus@example.com&password=wrong-password!!";
    for _ in 0..5 {
        assert_eq!(h.form("/v1/auth/token", wrong).await.0, 400);
    }
    let right = format!("grant_type=password&username=gus@example.com&password={PASSWORD}");
    let (status, json, response) = h
        .call("POST", "/v1/auth/token", &[("content-type", "application/x-www-form-urlencoded")], right.as_bytes())
        .await;
    assert_eq!((status, code(&json)), (429, "too_many_attempts"), "locked, even with the right password");
    assert_eq!(response.headers()["retry-after"], "1");
    h.platform.clock.advance(1_000);
    assert_eq!(h.form("/v1/auth/token", &right).await.0, 200, "the lock expires");
}

#[tokio::test]
async fn attackers_elsewhere_cannot_lock_the_owner_out() {
    let h = Harness::auth_only().await;
    h.register("ida@example.com").await;
    let sign_in = |password: &str, ip: &str| {
        let form = format!("grant_type=password&username=ida@example.com&password={password}");
        let request = web::http::Request::post("/v1/auth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .extension(web::ClientIp(ip.to_owned()))
            .body(bytes::Bytes::from(form))
            .unwrap();
        async { h.platform.call(&h.app, request).await.status().as_u16() }
    };
    assert_eq!(sign_in(PASSWORD, "198.51.100.20").await, 200, "the owner's usual network");
    // Ten failures from ten addresses: the account lock engages.
    for n in 0..10 {
        assert_eq!(sign_in("wrong-password!!", &format!("203.0.113.{n}")).await, 400);
    }
    assert_eq!(sign_in(PASSWORD, "192.0.2.99").await, 429, "a new network waits out the account lock");
    assert_eq!(sign_in(PASSWORD, "198.51.100.20").await, 200, "the owner's network is not locked out");
}

#[tokio::test]
async fn totp_mfa_enrol_confirm_sign_in_and_backup_codes() {
    let h = Harness::auth_only().await;
    let access = h.user("hal@example.com").await;
    let (status, enrolment) = h.json("POST", "/v1/auth/mfa/totp/enroll", Some(&access), json!({})).await;
    assert_eq!(status, 200);
    assert!(
        enrolment["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/OrderFlow:hal%40example.com?secret=")
    );
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).expect("base32 secret");
    let now = || h.platform.clock.now_seconds();

    let confirm = |code: &str, password: &str| json!({"code": code, "password": password});
    let (status, problem) =
        h.json("POST", "/v1/auth/mfa/totp/confirm", Some(&access), confirm("000000", PASSWORD)).await;
    assert_eq!((status, code(&problem)), (400, "invalid_mfa_code"));
    let confirm_code = code_for_step(&secret, step_at(now()));
    let (status, problem) =
        h.json("POST", "/v1/auth/mfa/totp/confirm", Some(&access), confirm(&confirm_code, "not the password")).await;
    assert_eq!((status, code(&problem)), (400, "invalid_password"), "an access token alone cannot turn MFA on");
    let (status, _) = h.json("POST", "/v1/auth/mfa/totp/confirm", Some(&access), json!({"code": confirm_code})).await;
    assert_eq!(status, 422, "the password is required");
    let other_session = testkit::access(&h.login("hal@example.com").await);
    let (status, confirmed) =
        h.json("POST", "/v1/auth/mfa/totp/confirm", Some(&access), confirm(&confirm_code, PASSWORD)).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(h.get("/v1/users/me", &other_session).await.0, 401, "sessions without the second factor end");
    assert_eq!(h.get("/v1/users/me", &access).await.0, 200, "except the one that turned it on");
    let backup_codes: Vec<String> =
        confirmed["backup_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(backup_codes.len(), 10);

    // Password alone now yields a challenge, not tokens.
    let sign_in = format!("grant_type=password&username=hal@example.com&password={PASSWORD}");
    let (status, challenge) = h.form("/v1/auth/token", &sign_in).await;
    assert_eq!((status, code(&challenge)), (403, "mfa_required"));
    let mfa_token = challenge["mfa_token"].as_str().unwrap().to_owned();
    assert!(challenge.get("access_token").is_none());
    let (status, _) = h.get("/v1/users/me", &mfa_token).await;
    assert_eq!(status, 401, "a challenge token is not an access token");

    // The code used to confirm is spent; the next step's code works once.
    let (status, _) =
        h.json("POST", "/v1/auth/mfa/verify", None, json!({"mfa_token": mfa_token, "code": confirm_code})).await;
    assert_eq!(status, 400, "a code cannot be reused within its step");
    h.platform.clock.advance(30_000);
    let fresh = code_for_step(&secret, step_at(now()));
    let (status, tokens) =
        h.json("POST", "/v1/auth/mfa/verify", None, json!({"mfa_token": mfa_token, "code": fresh})).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
    let (status, _) = h.json("POST", "/v1/auth/mfa/verify", None, json!({"mfa_token": mfa_token, "code": fresh})).await;
    assert_eq!(status, 400, "replay of the same code is refused");

    // Backup codes work once each, in any case/spacing.
    let backup = backup_codes[0].to_lowercase().replace('-', " ");
    let (status, _) =
        h.json("POST", "/v1/auth/mfa/verify", None, json!({"mfa_token": mfa_token, "backup_code": backup})).await;
    assert_eq!(status, 200);
    let (status, _) =
        h.json("POST", "/v1/auth/mfa/verify", None, json!({"mfa_token": mfa_token, "backup_code": backup})).await;
    assert_eq!(status, 400);

    // Disabling needs proof, and guessing it is throttled like signing in.
    for _ in 0..5 {
        let (status, _) =
            h.json("POST", "/v1/auth/mfa/totp/disable", Some(&access), json!({"password": "wrong wrong wrong"})).await;
        assert_eq!(status, 400);
    }
    let (status, problem) =
        h.json("POST", "/v1/auth/mfa/totp/disable", Some(&access), json!({"password": PASSWORD})).await;
    assert_eq!((status, code(&problem)), (429, "too_many_attempts"), "locked, even with the right password");
    h.platform.clock.advance(1_000);
    // Afterwards the password signs in directly.
    let (status, _) = h.json("POST", "/v1/auth/mfa/totp/disable", Some(&access), json!({"password": PASSWORD})).await;
    assert_eq!(status, 204);
    assert_eq!(h.form("/v1/auth/token", &sign_in).await.0, 200);
}

#[tokio::test]
async fn rbac_admin_endpoints_per_role() {
    let h = Harness::auth_only().await;
    let admin = h.user(ADMIN_EMAIL).await;
    let customer = h.user("ivy@example.com").await;
    let staff_user = h.register("jon@example.com").await;
    let staff_id = staff_user["id"].as_str().unwrap();

    // Customers may not list users or change roles.
    assert_eq!(h.get("/v1/admin/users", &customer).await.0, 403);
    let roles_uri = format!("/v1/admin/users/{staff_id}/roles");
    let (status, problem) = h.json("PUT", &roles_uri, Some(&customer), json!({"roles": ["admin"]})).await;
    assert_eq!((status, code(&problem)), (403, "forbidden"));

    // The admin promotes jon to staff.
    let (status, updated) = h.json("PUT", &roles_uri, Some(&admin), json!({"roles": ["staff", "customer"]})).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["roles"], json!(["customer", "staff"]));
    let staff = h.login("jon@example.com").await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(h.get("/v1/admin/users", &staff).await.0, 403, "staff cannot administer users");

    let (status, page) = h.get("/v1/admin/users?limit=2", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, rest) = h.get(&format!("/v1/admin/users?limit=2&cursor={cursor}"), &admin).await;
    assert_eq!(status, 200);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_cursor").is_none());
    assert_eq!(h.get("/v1/admin/users?limit=500", &admin).await.0, 400);
    assert_eq!(h.get("/v1/admin/users?sort=email", &admin).await.0, 400, "unknown parameters are refused");

    let (status, problem) = h.json("PUT", &roles_uri, Some(&admin), json!({"roles": ["root"]})).await;
    assert_eq!((status, code(&problem)), (422, "invalid_role"));
    let (status, _) = h.json("PUT", "/v1/admin/users/nope/roles", Some(&admin), json!({"roles": ["staff"]})).await;
    assert_eq!(status, 404);
    let admin_id = h.get("/v1/users/me", &admin).await.1["id"].as_str().unwrap().to_owned();
    let (status, problem) =
        h.json("PUT", &format!("/v1/admin/users/{admin_id}/roles"), Some(&admin), json!({"roles": ["customer"]})).await;
    assert_eq!((status, code(&problem)), (409, "cannot_demote_self"));

    // A second registration with the bootstrap email is impossible, and a later admin-less
    // state is not re-bootstrapped by other emails.
    assert_eq!(
        h.json("POST", "/v1/auth/register", None, json!({"email": ADMIN_EMAIL, "password": PASSWORD})).await.0,
        409
    );
}

#[tokio::test]
async fn api_keys_carry_scopes_within_the_creators_permissions_and_can_be_revoked() {
    let h = Harness::auth_only().await;
    let access = h.user("kim@example.com").await;
    let (status, problem) =
        h.json("POST", "/v1/api-keys", Some(&access), json!({"name": "ci", "scopes": ["users:read"]})).await;
    assert_eq!((status, code(&problem)), (422, "scope_not_allowed"));
    let (status, created) = h
        .json(
            "POST",
            "/v1/api-keys",
            Some(&access),
            json!({"name": "ci", "scopes": ["orders:read", "products:read"], "expires_in_days": 30}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["api_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ofk_"));

    // Usable in either header; a key cannot mint keys.
    let (status, me, _) = h.call("GET", "/v1/users/me", &[("x-api-key", &key)], b"").await;
    assert_eq!((status, me["email"].as_str()), (200, Some("kim@example.com")));
    assert_eq!(h.get("/v1/users/me", &key).await.0, 200);
    assert_eq!(h.get("/v1/api-keys", &key).await.0, 403, "the key lacks api_keys:manage");

    let (status, listed) = h.get("/v1/api-keys", &access).await;
    assert_eq!(status, 200);
    assert!(listed.to_string().find(&key[17..]).is_none(), "the secret is never listed");
    let id = listed[0]["id"].as_str().unwrap();
    assert!(listed[0]["last_used_at"].is_i64());

    let other = h.user("lee@example.com").await;
    let (status, _, _) =
        h.call("DELETE", &format!("/v1/api-keys/{id}"), &[("authorization", &format!("Bearer {other}"))], b"").await;
    assert_eq!(status, 404, "someone else's key is not found");
    let (status, _, _) =
        h.call("DELETE", &format!("/v1/api-keys/{id}"), &[("authorization", &format!("Bearer {access}"))], b"").await;
    assert_eq!(status, 204);
    assert_eq!(h.get("/v1/users/me", &key).await.0, 401);
    let tampered = format!("{}x", &key[..key.len() - 1]);
    assert_eq!(h.get("/v1/users/me", &tampered).await.0, 401);
}

#[tokio::test]
async fn jwks_publishes_the_public_key() {
    let h = Harness::auth_only().await;
    let (status, jwks, response) = h.call("GET", "/.well-known/jwks.json", &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], "k1");
    assert_eq!(jwks["keys"][0]["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    assert!(jwks["keys"][0].get("d").is_none());
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
}

#[tokio::test]
async fn missing_secrets_are_a_logged_500_not_a_crash() {
    let h = Harness::auth_only().await;
    h.platform.config.set_secret("auth_secret", "too-short");
    let (status, problem) =
        h.json("POST", "/v1/auth/register", None, json!({"email": "m@example.com", "password": PASSWORD})).await;
    assert_eq!((status, code(&problem)), (500, "internal_error"));
    assert!(!problem.to_string().contains("auth_secret"));
    assert!(h.platform.log.lines().join("\n").contains("auth_secret"));
}

#[tokio::test]
async fn out_of_range_admin_cursors_are_400_not_500() {
    let h = Harness::auth_only().await;
    let admin = h.user(ADMIN_EMAIL).await;
    for cursor in ["308445078333065856_x", "-9223372036854775808_x", "nope"] {
        let (status, _) = h.get(&format!("/v1/admin/users?cursor={cursor}"), &admin).await;
        assert_eq!(status, 400, "{cursor}");
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_and_touch_no_one_else() {
    use web::ports::Sql;
    use web::ports::sql::Statement;
    let h = Harness::auth_only().await;
    let (a_id, a) = h.user_with_roles("ann@example.com", "customer admin").await;
    let (b_id, b) = h.user_with_roles("bea@example.com", "customer admin").await;
    let (c_id, _) = h.user_with_roles("cal@example.com", "customer staff").await;
    let roles_of = async |id: &str| -> String {
        let row =
            h.platform.sql.query(&Statement::new("SELECT roles FROM users WHERE id = ?1").bind(id)).await.unwrap();
        row[0].get("roles").unwrap()
    };
    // Bea demotes Ann while Ann's demotion of Bea commits between Bea's read and Bea's write.
    let platform = testkit::RacedSql::platform(
        h.platform.platform(),
        Statement::new("UPDATE users SET roles = 'customer' WHERE id = ?1").bind(b_id.as_str()),
    );
    let uri = format!("/v1/admin/users/{a_id}/roles");
    let (status, problem, _) =
        h.send_on(platform, "PUT", &uri, Some(&b), &[], Some(&json!({"roles": ["customer"]}))).await;
    assert_eq!((status, code(&problem)), (409, "last_admin"));
    assert_eq!(roles_of(&a_id).await, "customer admin", "Ann stays admin");
    // An ordinary change touches its user only.
    let (status, _) =
        h.json("PUT", &format!("/v1/admin/users/{b_id}/roles"), Some(&a), json!({"roles": ["staff"]})).await;
    assert_eq!(status, 200);
    assert_eq!(roles_of(&b_id).await, "staff");
    assert_eq!(roles_of(&a_id).await, "customer admin");
    assert_eq!(roles_of(&c_id).await, "customer staff");
}

#[tokio::test]
async fn a_confirm_that_loses_a_same_millisecond_race_leaves_the_winners_codes_and_sessions() {
    use web::ports::Sql;
    use web::ports::sql::Statement;
    let h = Harness::auth_only().await;
    let (user_id, access) = h.user_with_roles("ivy@example.com", "customer").await;
    let other_session = testkit::access(&h.login("ivy@example.com").await);
    let (_, enrolment) = h.json("POST", "/v1/auth/mfa/totp/enroll", Some(&access), json!({})).await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).expect("base32 secret");
    let now_ms = h.platform.clock.now_millis();
    let step = step_at(h.platform.clock.now_seconds());
    // The winner's batch, in the same millisecond and step, commits between our reads and our batch:
    // MFA on, and its own backup code stored.
    let winners_code = Statement::new("INSERT INTO mfa_backup_codes (user_id, code_hash) VALUES (?1, 'winners-code')")
        .bind(user_id.as_str());
    let winners_update = Statement::new(
        "UPDATE users SET mfa_enabled = 1, mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, \
         mfa_last_step = ?2, updated_at = ?3 WHERE id = ?1",
    )
    .bind(user_id.as_str())
    .bind(step)
    .bind(now_ms);
    let confirm_batch = "DELETE FROM mfa_backup_codes";
    let platform = testkit::RacedSql::before_batch(
        testkit::RacedSql::before_batch(h.platform.platform(), confirm_batch, winners_code),
        confirm_batch,
        winners_update,
    );
    let body = json!({"code": code_for_step(&secret, step), "password": PASSWORD});
    let (status, problem, _) =
        h.send_on(platform, "POST", "/v1/auth/mfa/totp/confirm", Some(&access), &[], Some(&body)).await;
    assert_eq!((status, code(&problem)), (409, "mfa_changed"));
    let codes = h
        .platform
        .sql
        .query(&Statement::new("SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?1").bind(user_id.as_str()))
        .await
        .unwrap();
    let codes: Vec<String> = codes.iter().map(|row| row.get("code_hash").unwrap()).collect();
    assert_eq!(codes, ["winners-code"], "the loser neither deletes the winner's codes nor adds its own");
    assert_eq!(h.get("/v1/users/me", &other_session).await.0, 200, "the loser revokes no session");
}

#[tokio::test]
async fn a_password_sign_in_that_mfa_overtakes_gets_a_challenge_not_a_session() {
    use web::ports::Sql;
    use web::ports::sql::Statement;
    let h = Harness::auth_only().await;
    let (user_id, _) = h.user_with_roles("jo@example.com", "customer").await;
    // MFA is confirmed while this sign-in is between its password check and its session.
    let platform = testkit::RacedSql::before_batch(
        h.platform.platform(),
        "INSERT INTO sessions",
        Statement::new("UPDATE users SET mfa_enabled = 1 WHERE id = ?1").bind(user_id.as_str()),
    );
    let form = format!("grant_type=password&username=jo@example.com&password={PASSWORD}");
    let (status, answer, _) = h.call_on(platform, "POST", "/v1/auth/token", &[FORM], form.as_bytes()).await;
    assert_eq!((status, code(&answer)), (403, "mfa_required"), "{answer}");
    assert!(answer.get("access_token").is_none() && answer["mfa_token"].is_string());
    let live =
        Statement::new("SELECT id FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL").bind(user_id.as_str());
    assert_eq!(h.platform.sql.query(&live).await.unwrap().len(), 1, "only the session user_with_roles signed in with");
}

#[tokio::test]
async fn wrong_totp_codes_in_a_row_are_capped_from_any_network_until_a_backup_code_signs_in() {
    let h = Harness::auth_only().await;
    let access = h.user("kai@example.com").await;
    let (_, enrolment) = h.json("POST", "/v1/auth/mfa/totp/enroll", Some(&access), json!({})).await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).expect("base32 secret");
    let now = || h.platform.clock.now_seconds();
    let code_now = || code_for_step(&secret, step_at(now()));
    let (status, confirmed) = h
        .json("POST", "/v1/auth/mfa/totp/confirm", Some(&access), json!({"code": code_now(), "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{confirmed}");
    let backup = confirmed["backup_codes"][0].as_str().unwrap().to_owned();

    // Each try from a new address, a minute apart: no IP, pair or account lock ever engages.
    let post_from = async |ip: &str, uri: &str, content_type: &str, body: String| -> (u16, Value) {
        let request = web::http::Request::post(uri)
            .header("content-type", content_type)
            .extension(web::ClientIp(ip.to_owned()))
            .body(bytes::Bytes::from(body))
            .unwrap();
        let response = h.app.handle(request, h.platform.platform()).await;
        (
            response.status().as_u16(),
            serde_json::from_slice(response.body().full().expect("a full body")).unwrap_or(Value::Null),
        )
    };
    let challenge = async |ip: &str| -> String {
        let form = format!("grant_type=password&username=kai@example.com&password={PASSWORD}");
        let (status, answer) = post_from(ip, "/v1/auth/token", "application/x-www-form-urlencoded", form).await;
        assert_eq!((status, code(&answer)), (403, "mfa_required"));
        answer["mfa_token"].as_str().unwrap().to_owned()
    };
    let verify =
        async |ip: &str, body: Value| post_from(ip, "/v1/auth/mfa/verify", "application/json", body.to_string()).await;
    let wrong = |code: String| format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    // The owner signs in once from home: that network is trusted from now on.
    h.platform.clock.advance(30_000);
    let token = challenge("192.0.2.7").await;
    let (status, answer) = verify("192.0.2.7", json!({"mfa_token": token, "code": code_now()})).await;
    assert_eq!(status, 200, "{answer}");
    for n in 0..20 {
        h.platform.clock.advance(61_000);
        let ip = format!("203.0.113.{n}");
        let token = challenge(&ip).await;
        let (status, answer) = verify(&ip, json!({"mfa_token": token, "code": wrong(code_now())})).await;
        assert_eq!((status, code(&answer)), (400, "invalid_mfa_code"), "try {n}");
    }
    h.platform.clock.advance(61_000);
    let token = challenge("198.51.100.1").await;
    let (status, answer) = verify("198.51.100.1", json!({"mfa_token": token, "code": code_now()})).await;
    assert_eq!((status, code(&answer)), (403, "mfa_code_locked"), "even the right code, after 20 wrong ones");
    let home = challenge("192.0.2.7").await;
    let (status, answer) = verify("192.0.2.7", json!({"mfa_token": home, "code": code_now()})).await;
    assert_eq!(status, 200, "but not from the owner's network: {answer}");
    h.platform.clock.advance(30_000);
    let (status, answer) = verify("198.51.100.1", json!({"mfa_token": token, "code": code_now()})).await;
    assert_eq!((status, code(&answer)), (403, "mfa_code_locked"), "which does not unlock others");
    h.platform.clock.advance(61_000); // the account throttle's own (short) lock
    let (status, answer) = verify("198.51.100.1", json!({"mfa_token": token, "backup_code": backup})).await;
    assert_eq!(status, 200, "a backup code still signs in: {answer}");
    h.platform.clock.advance(30_000);
    let token = challenge("198.51.100.1").await;
    let (status, answer) = verify("198.51.100.1", json!({"mfa_token": token, "code": code_now()})).await;
    assert_eq!(status, 200, "and resets the count: {answer}");
}

#[tokio::test]
async fn a_concurrent_burst_of_wrong_passwords_gets_no_more_checks_than_the_threshold() {
    let h = Harness::auth_only().await;
    h.user("lee@example.com").await;
    // Requests take turns at every SQL call: a throttle that read its count and wrote it in
    // separate steps would let the whole burst read "no failures yet" and check every guess.
    let platform = testkit::YieldingSql::platform(h.platform.platform());
    let form = b"grant_type=password&username=lee@example.com&password=wrong-wrong-wrong";
    let attempt = || h.call_on(platform.clone(), "POST", "/v1/auth/token", &[FORM], form);
    let burst = tokio::join!(attempt(), attempt(), attempt(), attempt(), attempt(), attempt(), attempt(), attempt());
    let mut statuses = [burst.0.0, burst.1.0, burst.2.0, burst.3.0, burst.4.0, burst.5.0, burst.6.0, burst.7.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429, 429], "five guesses checked, the rest refused unchecked");
}

#[tokio::test]
async fn a_sign_in_rehashes_a_password_stored_with_older_parameters() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
    use web::ports::Sql;
    use web::ports::sql::Statement;
    let h = Harness::auth_only().await;
    let (user_id, _) = h.user_with_roles("mo@example.com", "customer").await;
    let older = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap())
        .hash_password_with_salt(PASSWORD.as_bytes(), &[7u8; 16])
        .unwrap()
        .to_string();
    let stored_hash = || Statement::new("SELECT password_hash FROM users WHERE id = ?1").bind(user_id.as_str());
    h.platform
        .sql
        .run(&Statement::new("UPDATE users SET password_hash = ?2 WHERE id = ?1").bind(user_id.as_str()).bind(older))
        .await
        .unwrap();
    let (status, _) =
        h.form("/v1/auth/token", &format!("grant_type=password&username=mo@example.com&password={PASSWORD}")).await;
    assert_eq!(status, 200, "the old hash still verifies");
    let rows = h.platform.sql.query(&stored_hash()).await.unwrap();
    let now_stored: String = rows[0].get("password_hash").unwrap();
    assert!(
        now_stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "re-hashed with today's parameters: {now_stored}"
    );
    let (status, _) =
        h.form("/v1/auth/token", &format!("grant_type=password&username=mo@example.com&password={PASSWORD}")).await;
    assert_eq!(status, 200, "and the new hash verifies");
}
