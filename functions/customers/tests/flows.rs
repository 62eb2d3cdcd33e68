//! Customer profiles through the native adapters.

use serde_json::json;
use testkit::{Harness, code};
use web::ports::sql::Statement;
use web::ports::sql::StatementResult;
use web::ports::{PortError, Sql};

#[tokio::test]
async fn owners_manage_their_profile_and_cannot_see_others() {
    let h = Harness::with_router(customers::router()).await;
    let alice = h.user("alice@example.com").await;
    let bob = h.user("bob@example.com").await;
    let body = json!({"name": "Alice A", "email": "Alice@Example.com", "phone": "+44 20 7946 0958"});
    let (status, created, response) = h.send("POST", "/v1/customers", Some(&alice), &[], Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email"], "alice@example.com");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(response.headers()["location"], format!("/v1/customers/{id}").as_str());

    let (status, problem, _) = h
        .send("POST", "/v1/customers", Some(&alice), &[], Some(&json!({"name": "Again", "email": "other@example.com"})))
        .await;
    assert_eq!((status, code(&problem)), (409, "profile_exists"));
    let (status, problem, _) = h
        .send("POST", "/v1/customers", Some(&bob), &[], Some(&json!({"name": "Bob", "email": "alice@example.com"})))
        .await;
    assert_eq!((status, code(&problem)), (409, "email_taken"));
    let (status, problem, _) = h
        .send(
            "POST",
            "/v1/customers",
            Some(&bob),
            &[],
            Some(&json!({"name": "Bob", "email": "b@example.com", "user_id": "x"})),
        )
        .await;
    assert_eq!((status, code(&problem)), (403, "forbidden"), "only staff create for others");

    // Bob cannot see or change Alice's profile: 404, not 403.
    for method in ["GET", "PATCH", "DELETE"] {
        let body = (method == "PATCH").then(|| json!({"name": "Mallory"}));
        let (status, _, _) = h.send(method, &format!("/v1/customers/{id}"), Some(&bob), &[], body.as_ref()).await;
        assert_eq!(status, 404, "{method}");
    }
    let (status, list, _) = h.send("GET", "/v1/customers", Some(&bob), &[], None).await;
    assert_eq!((status, list["total"].as_i64()), (200, Some(0)));

    let (status, v2, _) = h.send("GET", &format!("/v2/customers/{id}"), Some(&alice), &[], None).await;
    assert_eq!(status, 200);
    assert!(v2["created_at"].as_str().unwrap().contains('T'));
    let (status, updated, response) = h
        .send(
            "PATCH",
            &format!("/v1/customers/{id}"),
            Some(&alice),
            &[("if-match", "\"v1\"")],
            Some(&json!({"name": "Alice B"})),
        )
        .await;
    assert_eq!((status, updated["name"].as_str()), (200, Some("Alice B")));
    assert_eq!(response.headers()["etag"], "\"v2\"");
    let (status, _, _) = h
        .send(
            "PATCH",
            &format!("/v1/customers/{id}"),
            Some(&alice),
            &[("if-match", "\"v1\"")],
            Some(&json!({"name": "X"})),
        )
        .await;
    assert_eq!(status, 412);
    let (status, problem, _) =
        h.send("PATCH", &format!("/v1/customers/{id}"), Some(&alice), &[], Some(&json!({"phone": "12"}))).await;
    assert_eq!((status, code(&problem)), (422, "invalid_customer"));
    let audit = h.platform.sql.query(&Statement::new("SELECT COUNT(*) AS n FROM audit_log")).await.unwrap()[0]
        .get::<i64>("n")
        .unwrap();
    assert_eq!(audit, 0, "owners' own changes are not staff mutations");
}

#[tokio::test]
async fn staff_see_all_and_their_changes_are_audited() {
    let h = Harness::with_router(customers::router()).await;
    let (alice_id, alice) = h.user_with_roles("alice@example.com", "customer").await;
    let (_, staff) = h.user_with_roles("staff@example.com", "customer staff").await;
    let (status, created, _) = h
        .send("POST", "/v2/customers", Some(&alice), &[], Some(&json!({"name": "Alice", "email": "alice@example.com"})))
        .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    let (status, list, _) = h.send("GET", "/v2/customers?email=alice@example.com", Some(&staff), &[], None).await;
    assert_eq!((status, list["items"].as_array().unwrap().len()), (200, 1));
    assert_eq!(list["items"][0]["user_id"], alice_id.as_str());

    let (status, _, _) = h
        .send("PATCH", &format!("/v2/customers/{id}"), Some(&staff), &[], Some(&json!({"phone": "+1 555 0100 123"})))
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = h.send("DELETE", &format!("/v2/customers/{id}"), Some(&staff), &[], None).await;
    assert_eq!(status, 204);
    let rows =
        h.platform.sql.query(&Statement::new("SELECT action, actor_id FROM audit_log ORDER BY id")).await.unwrap();
    let actions: Vec<String> = rows.iter().map(|r| r.get::<String>("action").unwrap()).collect();
    assert_eq!(actions, vec!["customer.update", "customer.delete"]);
    let (status, _, _) = h.send("DELETE", &format!("/v2/customers/{id}"), Some(&staff), &[], None).await;
    assert_eq!(status, 404);
    let (status, _, _) = h.send("GET", "/v2/customers?role=x", Some(&staff), &[], None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn api_keys_need_a_customer_scope_even_for_their_owners_profile() {
    let h = Harness::with_router(customers::router()).await;
    let alice = h.user("alice@example.com").await;
    let (status, created) =
        h.json("POST", "/v1/customers", Some(&alice), json!({"name": "Alice", "email": "alice@example.com"})).await;
    assert_eq!(status, 201);
    let uri = format!("/v1/customers/{}", created["id"].as_str().unwrap());
    let (status, key) =
        h.json("POST", "/v1/api-keys", Some(&alice), json!({"name": "catalog", "scopes": ["products:read"]})).await;
    assert_eq!(status, 201);
    let key = key["api_key"].as_str().unwrap();
    assert_eq!(h.get(&uri, key).await.0, 403);
    let (status, _) = h.json("PATCH", &uri, Some(key), json!({"email": "attacker@example.com"})).await;
    assert_eq!(status, 403);
    assert_eq!(h.send("DELETE", &uri, Some(key), &[], None).await.0, 403);
    let (status, unchanged) = h.get(&uri, &alice).await;
    assert_eq!((status, unchanged["email"].as_str()), (200, Some("alice@example.com")));
}

#[tokio::test]
async fn a_create_that_creates_nothing_leaves_its_idempotency_key_reusable() {
    let h = Harness::with_router(customers::router()).await;
    let (_, staff) = h.user_with_roles("staff@example.com", "customer staff").await;
    let key = [("idempotency-key", "profile-1")];
    let nobody = json!({"user_id": "no-such-user", "name": "Ghost", "email": "ghost@example.com"});
    for attempt in ["first", "retry"] {
        let (status, problem, response) = h.send("POST", "/v1/customers", Some(&staff), &key, Some(&nobody)).await;
        assert_eq!((status, code(&problem)), (422, "unknown_user"), "{attempt}");
        assert!(response.headers().get("idempotent-replayed").is_none(), "{attempt}: nothing to replay");
    }
    let (alice_id, _) = h.user_with_roles("alice@example.com", "customer").await;
    let fixed = json!({"user_id": alice_id, "name": "Alice", "email": "alice@example.com"});
    let (status, created, _) = h.send("POST", "/v1/customers", Some(&staff), &key, Some(&fixed)).await;
    assert_eq!(status, 201, "the key was released: {created}");
    let (status, replayed, response) = h.send("POST", "/v1/customers", Some(&staff), &key, Some(&fixed)).await;
    assert_eq!((status, &replayed), (201, &created));
    assert_eq!(response.headers()["idempotent-replayed"], "true");
}

/// SQL for a request that dies after reserving its key: its writes and its clean-up fail.
struct DiesAfterReserving(std::rc::Rc<dyn Sql>);

#[async_trait::async_trait(?Send)]
impl Sql for DiesAfterReserving {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        if statement.sql.trim_start().starts_with("DELETE") {
            return Err(PortError::unavailable("the instance died"));
        }
        self.0.run(statement).await
    }
    async fn batch(&self, _: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        Err(PortError::unavailable("the instance died"))
    }
}

#[tokio::test]
async fn a_reservation_whose_request_died_frees_its_key_after_two_minutes() {
    let h = Harness::with_router(customers::router()).await;
    let alice = h.user("alice@example.com").await;
    let body = json!({"name": "Alice", "email": "alice@example.com"});
    let mut dying = h.platform.platform();
    dying.sql = std::rc::Rc::new(DiesAfterReserving(dying.sql.clone()));
    let (status, _, _) =
        h.send_on(dying, "POST", "/v1/customers", Some(&alice), &[("idempotency-key", "k")], Some(&body)).await;
    assert_eq!(status, 503);
    let retry = async || h.send("POST", "/v1/customers", Some(&alice), &[("idempotency-key", "k")], Some(&body)).await;
    let (status, problem, _) = retry().await;
    assert_eq!((status, code(&problem)), (409, "idempotency_in_flight"), "the key is still held");
    h.platform.clock.advance(120_000);
    assert_eq!(retry().await.0, 201, "the dead reservation expired");
    // A completed key lives for its full lifetime.
    h.platform.clock.advance(600_000);
    let (status, _, response) = retry().await;
    assert_eq!(status, 201);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn a_replay_is_authorized_like_the_request_it_replays() {
    let h = Harness::with_router(customers::router()).await;
    let (cal_id, _) = h.user_with_roles("cal@example.com", "customer").await;
    let (_, staff) = h.user_with_roles("sam@example.com", "customer staff").await;
    let body = json!({"name": "Cal", "email": "cal@example.com", "user_id": cal_id});
    let key = [("idempotency-key", "profile-for-cal")];
    let (status, created, _) = h.send("POST", "/v1/customers", Some(&staff), &key, Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    // The same person's key for their own profile only may not replay a profile made for Cal.
    let scopes = json!({"name": "self", "scopes": ["customers:self"]});
    let (status, own_key) = h.json("POST", "/v1/api-keys", Some(&staff), scopes).await;
    assert_eq!(status, 201, "{own_key}");
    let own_key = own_key["api_key"].as_str().unwrap();
    let (status, problem, response) = h.send("POST", "/v1/customers", Some(own_key), &key, Some(&body)).await;
    assert_eq!((status, code(&problem)), (403, "forbidden"), "no replay: {problem}");
    assert!(!response.headers().contains_key("idempotent-replayed"));
    let (status, replayed, _) = h.send("POST", "/v1/customers", Some(&staff), &key, Some(&body)).await;
    assert_eq!((status, &replayed["id"]), (201, &created["id"]), "the staff session still replays");
}
