//! The audit log through the native adapters, fed by a real audited change (a role change).

use serde_json::json;
use testkit::{Harness, code};

#[tokio::test]
async fn admins_read_audit_rows_written_with_each_change() {
    let h = Harness::with_router(audit::router()).await;
    let (admin_id, admin) = h.user_with_roles("admin@example.com", "customer admin").await;
    let (user_id, customer) = h.user_with_roles("ivy@example.com", "customer").await;

    let (status, _) = h
        .json("PUT", &format!("/v1/admin/users/{user_id}/roles"), Some(&admin), json!({"roles": ["customer", "staff"]}))
        .await;
    assert_eq!(status, 200);

    let (status, page, response) = h.send("GET", "/v1/admin/audit?target_type=user", Some(&admin), &[], None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    let entry = &page["items"][0];
    assert_eq!(entry["action"], "user.roles");
    assert_eq!(entry["actor_id"], admin_id.as_str());
    assert_eq!(entry["target_id"], user_id.as_str());
    assert_eq!(entry["summary"]["before"]["roles"], json!(["customer"]));
    assert_eq!(entry["summary"]["after"]["roles"], json!(["customer", "staff"]));
    assert_eq!(entry["request_id"].as_str().unwrap().len(), 32);
    assert!(response.headers().get("deprecation").is_none(), "no v2 twin, so not deprecated");

    let (status, problem, _) = h.send("GET", "/v1/admin/audit", Some(&customer), &[], None).await;
    assert_eq!((status, code(&problem)), (403, "forbidden"));
    let (status, _, _) = h.send("GET", "/v1/admin/audit", None, &[], None).await;
    assert_eq!(status, 401);
    let (status, _, _) = h.send("GET", "/v1/admin/audit?sort=at", Some(&admin), &[], None).await;
    assert_eq!(status, 400);
    let (status, empty, _) = h.send("GET", "/v1/admin/audit?action=order.delete", Some(&admin), &[], None).await;
    assert_eq!((status, empty["total"].as_i64()), (200, Some(0)));
}
