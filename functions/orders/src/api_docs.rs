//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::{OpenApi, ToSchema};

use crate::routes::StatusChange;
use ordering::order::{ItemV1, ItemV2, OrderV1, OrderV2};
use ordering::placing::{NewItem, NewOrder};
use ordering::schemas::{Money, OrderStatus};

/// An order list order: a field, prefixed with `-` for descending. Default `-created_at`.
#[derive(ToSchema)]
pub enum OrderSort {
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first (the default).
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
    /// Smallest total first (minor units; currencies are not converted).
    #[serde(rename = "total")]
    Total,
    /// Largest total first.
    #[serde(rename = "-total")]
    TotalDescending,
}

/// A v1 page of orders (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct OrderPageV1 {
    /// The orders on this page, with their items.
    pub items: Vec<OrderV1>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching orders across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// A v2 page of orders (keyset cursor).
#[derive(ToSchema)]
pub struct OrderPageV2 {
    /// The orders on this page, with their items.
    pub items: Vec<OrderV2>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "WzE3OTUzMTE5MjQ4NDcsImU0YTFjN2QyIl0")]
    pub next_cursor: Option<String>,
}

/// List orders (v1)
///
/// Needs `orders:read`: customers see their own orders, holders of `orders:read_all` (staff,
/// admins) see every order. Each order comes with its items. Unknown or repeated query parameters
/// are refused (400).
///
/// v1 shows money as integer minor units of the order's `currency`, takes and shows times as
/// Unix milliseconds, and pages with `page`/`per_page`, answering `{items, page, per_page,
/// total}`. Deprecated in favour of `GET /v2/orders` (responses carry `Deprecation`, `Sunset` and
/// a successor `Link`).
#[utoipa::path(get, path = "/v1/orders", tag = "orders", operation_id = "listOrdersV1",
    params(
        ("status" = Option<OrderStatus>, Query, description = "Only orders in this status: `pending`, `processing`, `shipped`, `delivered` or `cancelled`."),
        ("customer_id" = Option<String>, Query, description = "Only orders of this customer profile.", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("created_from" = Option<i64>, Query, description = "Only orders created at or after this time, in Unix milliseconds.", example = 1_795_000_000_000_i64),
        ("created_to" = Option<i64>, Query, description = "Only orders created before this time (exclusive), in Unix milliseconds.", example = 1_796_000_000_000_i64),
        ("sort" = Option<OrderSort>, Query, description = "Order: `created_at` or `total`, prefixed with `-` for descending. Default `-created_at`."),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
    ),
    responses((status = 200, description = "One page of orders.", body = OrderPageV1)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_orders_v1() {}

/// List orders (v2)
///
/// Needs `orders:read`: customers see their own orders, holders of `orders:read_all` (staff,
/// admins) see every order. Each order comes with its items. Unknown or repeated query parameters
/// are refused (400).
///
/// v2 shows money as `{amount, currency}` decimal strings, takes and shows times in RFC 3339, and
/// pages with an opaque keyset cursor: pass `limit` and the previous page's `next_cursor` as
/// `cursor`; answers `{items, next_cursor}`, without `next_cursor` on the last page.
#[utoipa::path(get, path = "/v2/orders", tag = "orders", operation_id = "listOrdersV2",
    params(
        ("status" = Option<OrderStatus>, Query, description = "Only orders in this status: `pending`, `processing`, `shipped`, `delivered` or `cancelled`."),
        ("customer_id" = Option<String>, Query, description = "Only orders of this customer profile.", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("created_from" = Option<String>, Query, format = DateTime, description = "Only orders created at or after this RFC 3339 time (percent-encode a `+` offset as `%2B`).", example = "2026-11-01T00:00:00Z"),
        ("created_to" = Option<String>, Query, format = DateTime, description = "Only orders created before this RFC 3339 time, exclusive (percent-encode a `+` offset as `%2B`).", example = "2026-12-01T00:00:00Z"),
        ("sort" = Option<OrderSort>, Query, description = "Order: `created_at` or `total`, prefixed with `-` for descending. Default `-created_at`."),
        ("limit" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (opaque); omit for the first page. Keep the same filters and sort."),
    ),
    responses((status = 200, description = "One page of orders.", body = OrderPageV2)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_orders_v2() {}

/// Place an order (v1)
///
/// Needs `orders:create` and the caller's own customer profile (422
/// `customer_profile_required`): orders are always placed for oneself. Each line names an active
/// product once (422 `unknown_product`, `product_unavailable`); all products must share one
/// currency (422 `mixed_currencies`).
///
/// The order is created `pending` in one atomic batch that snapshots each line's current unit
/// price and reserves the stock: not enough units is 409 `insufficient_stock`, and a price or
/// availability change while ordering is 409 `catalog_changed` (review and retry). Nothing is
/// created or reserved on failure.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`) instead of ordering twice; with a
/// different request it is 422 `idempotency_key_reused`; while the first is still running, 409
/// `idempotency_in_flight`. Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v1 shows money as integer minor units of the order's `currency`, times as Unix milliseconds.
/// Deprecated in favour of `POST /v2/orders`.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", operation_id = "createOrderV1",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended order (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = NewOrder, content_type = "application/json", description = "The products and quantities. Unknown fields are refused."),
    responses((status = 201, description = "Placed (status `pending`, stock reserved).", body = OrderV1,
        headers(
            ("ETag" = String, description = "The new order's version, `\"v1\"`."),
            ("Location" = String, description = "The order's URL, `/v1/orders/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_order_v1() {}

/// Place an order (v2)
///
/// Needs `orders:create` and the caller's own customer profile (422
/// `customer_profile_required`): orders are always placed for oneself. Each line names an active
/// product once (422 `unknown_product`, `product_unavailable`); all products must share one
/// currency (422 `mixed_currencies`).
///
/// The order is created `pending` in one atomic batch that snapshots each line's current unit
/// price and reserves the stock: not enough units is 409 `insufficient_stock`, and a price or
/// availability change while ordering is 409 `catalog_changed` (review and retry). Nothing is
/// created or reserved on failure.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`) instead of ordering twice; with a
/// different request it is 422 `idempotency_key_reused`; while the first is still running, 409
/// `idempotency_in_flight`. Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v2 shows money as `{amount, currency}` decimal strings, times in RFC 3339.
#[utoipa::path(post, path = "/v2/orders", tag = "orders", operation_id = "createOrderV2",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended order (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = NewOrder, content_type = "application/json", description = "The products and quantities. Unknown fields are refused."),
    responses((status = 201, description = "Placed (status `pending`, stock reserved).", body = OrderV2,
        headers(
            ("ETag" = String, description = "The new order's version, `\"v1\"`."),
            ("Location" = String, description = "The order's URL, `/v2/orders/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_order_v2() {}

/// Get an order (v1)
///
/// Needs `orders:read`: the order's owner, or holders of `orders:read_all` (staff, admins).
/// Anyone else's order answers 404, never 403, so ids cannot be probed. Send the `ETag` back in
/// `If-None-Match` to get 304 while the order is unchanged. Never stored in shared caches.
///
/// v1 shows money as integer minor units of the order's `currency`, times as Unix milliseconds.
/// Deprecated in favour of `GET /v2/orders/{id}`.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", operation_id = "getOrderV1",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the order is still at that version.", example = "\"v2\""),
    ),
    responses(
        (status = 200, description = "The order with its items.", body = OrderV1,
            headers(
                ("ETag" = String, description = "The order's version, `\"v<version>\"`: send it in `If-Match` to change it safely."),
                ("Cache-Control" = String, description = "`private, no-cache`: user data; revalidate with the ETag."),
            )),
        (status = 304, description = "Not modified: `If-None-Match` names the current version.",
            headers(("ETag" = String, description = "The current version."))),
    ),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_order_v1() {}

/// Get an order (v2)
///
/// Needs `orders:read`: the order's owner, or holders of `orders:read_all` (staff, admins).
/// Anyone else's order answers 404, never 403, so ids cannot be probed. Send the `ETag` back in
/// `If-None-Match` to get 304 while the order is unchanged. Never stored in shared caches.
///
/// v2 shows money as `{amount, currency}` decimal strings, times in RFC 3339.
#[utoipa::path(get, path = "/v2/orders/{id}", tag = "orders", operation_id = "getOrderV2",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the order is still at that version.", example = "\"v2\""),
    ),
    responses(
        (status = 200, description = "The order with its items.", body = OrderV2,
            headers(
                ("ETag" = String, description = "The order's version, `\"v<version>\"`: send it in `If-Match` to change it safely."),
                ("Cache-Control" = String, description = "`private, no-cache`: user data; revalidate with the ETag."),
            )),
        (status = 304, description = "Not modified: `If-None-Match` names the current version.",
            headers(("ETag" = String, description = "The current version."))),
    ),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_order_v2() {}

/// Change an order's status (v1)
///
/// Needs `orders:read` and access to the order (owner, or `orders:read_all`; otherwise 404).
/// Holders of `orders:update_status` (staff, admins) may make any allowed move, audited
/// (`order.status`); owners with `orders:cancel` may only cancel (anything else is 403).
///
/// Allowed moves: `pending` → `processing` or `cancelled`; `processing` → `shipped` or
/// `cancelled`; `shipped` → `delivered`. `delivered` and `cancelled` are final. Any other move
/// is 409 `invalid_transition`, whose `allowed` member lists the possible next statuses.
/// Cancelling returns the order's units to stock in the same batch.
///
/// Send the `ETag` you read in `If-Match`: if the order changed since, the change is refused
/// with 412. Without `If-Match`, a change racing another one is still refused with 412.
///
/// v1 shows money as integer minor units of the order's `currency`, times as Unix milliseconds.
/// Deprecated in favour of `PATCH /v2/orders/{id}`.
#[utoipa::path(patch, path = "/v1/orders/{id}", tag = "orders", operation_id = "updateOrderStatusV1",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    request_body(content = StatusChange, content_type = "application/json", description = "The status to move to. Unknown fields are refused."),
    responses((status = 200, description = "The order in its new status, with its items.", body = OrderV1,
        headers(("ETag" = String, description = "The order's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_order_status_v1() {}

/// Change an order's status (v2)
///
/// Needs `orders:read` and access to the order (owner, or `orders:read_all`; otherwise 404).
/// Holders of `orders:update_status` (staff, admins) may make any allowed move, audited
/// (`order.status`); owners with `orders:cancel` may only cancel (anything else is 403).
///
/// Allowed moves: `pending` → `processing` or `cancelled`; `processing` → `shipped` or
/// `cancelled`; `shipped` → `delivered`. `delivered` and `cancelled` are final. Any other move
/// is 409 `invalid_transition`, whose `allowed` member lists the possible next statuses.
/// Cancelling returns the order's units to stock in the same batch.
///
/// Send the `ETag` you read in `If-Match`: if the order changed since, the change is refused
/// with 412. Without `If-Match`, a change racing another one is still refused with 412.
///
/// v2 shows money as `{amount, currency}` decimal strings, times in RFC 3339.
#[utoipa::path(patch, path = "/v2/orders/{id}", tag = "orders", operation_id = "updateOrderStatusV2",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    request_body(content = StatusChange, content_type = "application/json", description = "The status to move to. Unknown fields are refused."),
    responses((status = 200, description = "The order in its new status, with its items.", body = OrderV2,
        headers(("ETag" = String, description = "The order's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_order_status_v2() {}

/// Delete an order (v1)
///
/// Needs `orders:delete` (admins). Removes the order and its items; if it still held stock
/// (`pending` or `processing`), the units are returned in the same batch. Audited
/// (`order.delete`). With `If-Match`, refused (412) if the order changed since you read it; a
/// deletion racing another change is refused with 412 too.
///
/// Deprecated in favour of `DELETE /v2/orders/{id}` (identical behaviour).
#[utoipa::path(delete, path = "/v1/orders/{id}", tag = "orders", operation_id = "deleteOrderV1",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_order_v1() {}

/// Delete an order (v2)
///
/// Needs `orders:delete` (admins). Removes the order and its items; if it still held stock
/// (`pending` or `processing`), the units are returned in the same batch. Audited
/// (`order.delete`). With `If-Match`, refused (412) if the order changed since you read it; a
/// deletion racing another change is refused with 412 too.
#[utoipa::path(delete, path = "/v2/orders/{id}", tag = "orders", operation_id = "deleteOrderV2",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_order_v2() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_orders_v1,
        list_orders_v2,
        create_order_v1,
        create_order_v2,
        get_order_v1,
        get_order_v2,
        update_order_status_v1,
        update_order_status_v2,
        delete_order_v1,
        delete_order_v2
    ),
    components(schemas(
        OrderV1,
        OrderV2,
        ItemV1,
        ItemV2,
        OrderPageV1,
        OrderPageV2,
        NewOrder,
        NewItem,
        StatusChange,
        OrderStatus,
        OrderSort,
        Money
    ))
)]
pub struct ApiDoc;
