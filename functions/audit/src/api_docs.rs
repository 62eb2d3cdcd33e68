//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::{OpenApi, ToSchema};

use crate::AuditEntry;

/// What an audited change did: a summary of the target's state before and after (a few key
/// fields and its version, not the whole record).
#[derive(ToSchema)]
#[schema(example = json!({"before": {"price_minor": 1999, "currency": "EUR", "version": 3}, "after": {"price_minor": 2499, "currency": "EUR", "version": 4}}))]
pub struct AuditSummary {
    /// State before the change; `null` for creations.
    #[schema(value_type = Option<Object>, required = true)]
    pub before: Option<serde_json::Value>,
    /// State after the change; `null` for deletions.
    #[schema(value_type = Option<Object>, required = true)]
    pub after: Option<serde_json::Value>,
}

/// A page of audit rows, newest first (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct AuditPage {
    /// The rows on this page.
    pub items: Vec<AuditEntry>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching rows across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// Read the audit log
///
/// Needs `audit:read` (admins). Every audited change (product writes, order status moves and
/// deletions, changes to other people's customer profiles, user administration) in one list,
/// newest first, each row with who did it, what, to which target, a `{before, after}` summary
/// and the id of the request that made it.
///
/// Filters match exactly and combine with AND. The order is fixed: `sort` is refused (400), as
/// are unknown or repeated query parameters. Times are Unix milliseconds. Only v1 exists.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", operation_id = "listAuditLog",
    params(
        ("actor_id" = Option<String>, Query, description = "Only changes made by this user id.", example = "9a2e4c71-6b3d-4f08-a1c5-7e9d0b2f4a68"),
        ("action" = Option<String>, Query, description = "Only this action, e.g. `product.create`, `product.update`, `product.deactivate`, `order.status`, `order.delete`, `customer.create`, `customer.update`, `customer.delete`, `user.roles`.", example = "order.status"),
        ("target_type" = Option<String>, Query, description = "Only targets of this kind, e.g. `product`, `order`, `customer`, `user`.", example = "order"),
        ("target_id" = Option<String>, Query, description = "Only changes to this target id.", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
    ),
    responses((status = 200, description = "One page of audit rows, newest first.", body = AuditPage)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_audit_log() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(paths(list_audit_log), components(schemas(AuditEntry, AuditPage, AuditSummary)))]
pub struct ApiDoc;
