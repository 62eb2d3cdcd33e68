//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::{OpenApi, ToSchema};

use crate::input::{CreateV1, CreateV2, PatchV1, PatchV2};
use catalog::product::{ProductV1, ProductV2};
use rest::schemas::Money;

/// A v1 page of products (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct ProductPageV1 {
    /// The products on this page.
    pub items: Vec<ProductV1>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching products across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// A v2 page of products (keyset cursor).
#[derive(ToSchema)]
pub struct ProductPageV2 {
    /// The products on this page.
    pub items: Vec<ProductV2>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; absent on the last
    /// page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "WzE3OTUzMTE5MjQ4NDcsIjBiOGUxYzUyIl0")]
    pub next_cursor: Option<String>,
}

/// A product list order: a field, prefixed with `-` for descending. Default `-created_at`.
#[derive(ToSchema)]
pub enum ProductSort {
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first (the default).
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
    /// By name, A to Z.
    #[serde(rename = "name")]
    Name,
    /// By name, Z to A.
    #[serde(rename = "-name")]
    NameDescending,
    /// Cheapest first (minor units; currencies are not converted).
    #[serde(rename = "price")]
    Price,
    /// Dearest first.
    #[serde(rename = "-price")]
    PriceDescending,
}

/// List products (v1)
///
/// Public: no credentials needed. Anonymous callers and callers without `products:write` see
/// active products only; staff (`products:write`) may ask for `active=false` to see deactivated
/// ones (anyone else gets 403 for it).
///
/// v1 shows prices as integer minor units plus `currency` and times as Unix milliseconds, and
/// pages with `page`/`per_page`, answering `{items, page, per_page, total}`. Deprecated in favour
/// of `GET /v2/products` (responses carry `Deprecation`, `Sunset` and a successor `Link`).
///
/// Anonymous answers may be served from the catalogue cache (fresh 30 s, then stale up to 60 s
/// while refreshed) and are publicly cacheable; authenticated answers are `private, no-cache`,
/// and staff views are never cached. Unknown or repeated query parameters are refused (400).
#[utoipa::path(get, path = "/v1/products", tag = "products", operation_id = "listProductsV1",
    params(
        ("currency" = Option<String>, Query, description = "Only products priced in this ISO 4217 code (exact, upper case).", example = "EUR"),
        ("active" = Option<bool>, Query, description = "`true` (default): active products. `false`: deactivated products only, staff (`products:write`) only."),
        ("q" = Option<String>, Query, description = "Only products whose name starts with this text (`%` and `_` match literally).", example = "T-shirt"),
        ("sort" = Option<ProductSort>, Query, description = "Order: `created_at`, `name` or `price`, prefixed with `-` for descending. Default `-created_at`."),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
    ),
    responses((status = 200, description = "One page of products.", body = ProductPageV1,
        headers(
            ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous callers, `private, no-cache` otherwise."),
            ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
            ("X-Cache" = String, description = "Which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` (loaded from the database) or `miss-shared` (took a concurrent request's load). Absent for staff views and name searches (never cached)."),
        ))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_products_v1() {}

/// List products (v2)
///
/// Public: no credentials needed. Anonymous callers and callers without `products:write` see
/// active products only; staff (`products:write`) may ask for `active=false` to see deactivated
/// ones (anyone else gets 403 for it).
///
/// v2 shows prices as `{amount, currency}` decimal strings and times in RFC 3339, and pages with
/// an opaque keyset cursor: pass `limit` and the previous page's `next_cursor` as `cursor`;
/// answers `{items, next_cursor}`, without `next_cursor` on the last page.
///
/// Anonymous answers may be served from the catalogue cache (fresh 30 s, then stale up to 60 s
/// while refreshed) and are publicly cacheable; authenticated answers are `private, no-cache`,
/// and staff views are never cached. Unknown or repeated query parameters are refused (400).
#[utoipa::path(get, path = "/v2/products", tag = "products", operation_id = "listProductsV2",
    params(
        ("currency" = Option<String>, Query, description = "Only products priced in this ISO 4217 code (exact, upper case).", example = "EUR"),
        ("active" = Option<bool>, Query, description = "`true` (default): active products. `false`: deactivated products only, staff (`products:write`) only."),
        ("q" = Option<String>, Query, description = "Only products whose name starts with this text (`%` and `_` match literally).", example = "T-shirt"),
        ("sort" = Option<ProductSort>, Query, description = "Order: `created_at`, `name` or `price`, prefixed with `-` for descending. Default `-created_at`."),
        ("limit" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (opaque); omit for the first page. Keep the same filters and sort."),
    ),
    responses((status = 200, description = "One page of products.", body = ProductPageV2,
        headers(
            ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous callers, `private, no-cache` otherwise."),
            ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
            ("X-Cache" = String, description = "Which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` (loaded from the database) or `miss-shared` (took a concurrent request's load). Absent for staff views and name searches (never cached)."),
        ))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_products_v2() {}

/// Get a product (v1)
///
/// Public: no credentials needed. A deactivated product answers 404 except to staff
/// (`products:write`). The `ETag` (`"v<version>"`) changes with every change to the product,
/// including stock moved by orders; send it back in `If-None-Match` to get 304 when unchanged.
///
/// v1 shows the price as integer minor units plus `currency` and times as Unix milliseconds.
/// Deprecated in favour of `GET /v2/products/{id}`.
///
/// Anonymous answers may come from the catalogue cache (fresh 30 s, then stale up to 60 s) and
/// are publicly cacheable; authenticated answers are `private, no-cache`.
#[utoipa::path(get, path = "/v1/products/{id}", tag = "products", operation_id = "getProductV1",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the product is still at that version.", example = "\"v3\""),
    ),
    responses(
        (status = 200, description = "The product.", body = ProductV1,
            headers(
                ("ETag" = String, description = "The product's version, `\"v<version>\"`: send it in `If-Match` to change it safely."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous callers, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`."),
                ("X-Cache" = String, description = "Which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` (loaded from the database) or `miss-shared` (took a concurrent request's load). Absent for staff."),
            )),
        (status = 304, description = "Not modified: `If-None-Match` names the current version.",
            headers(("ETag" = String, description = "The current version."))),
    ),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_product_v1() {}

/// Get a product (v2)
///
/// Public: no credentials needed. A deactivated product answers 404 except to staff
/// (`products:write`). The `ETag` (`"v<version>"`) changes with every change to the product,
/// including stock moved by orders; send it back in `If-None-Match` to get 304 when unchanged.
///
/// v2 shows the price as an `{amount, currency}` decimal string and times in RFC 3339.
///
/// Anonymous answers may come from the catalogue cache (fresh 30 s, then stale up to 60 s) and
/// are publicly cacheable; authenticated answers are `private, no-cache`.
#[utoipa::path(get, path = "/v2/products/{id}", tag = "products", operation_id = "getProductV2",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the product is still at that version.", example = "\"v3\""),
    ),
    responses(
        (status = 200, description = "The product.", body = ProductV2,
            headers(
                ("ETag" = String, description = "The product's version, `\"v<version>\"`: send it in `If-Match` to change it safely."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous callers, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`."),
                ("X-Cache" = String, description = "Which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` (loaded from the database) or `miss-shared` (took a concurrent request's load). Absent for staff."),
            )),
        (status = 304, description = "Not modified: `If-None-Match` names the current version.",
            headers(("ETag" = String, description = "The current version."))),
    ),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_product_v2() {}

/// Create a product (v1)
///
/// Needs `products:write` (staff, admins). The product starts active, at version 1; the SKU must
/// be unique (409 `sku_taken`). The creation is audited (`product.create`) in the same batch.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`); with a different request it is 422
/// `idempotency_key_reused`; while the first is still running, 409 `idempotency_in_flight`.
/// Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v1 takes and shows the price as integer minor units plus `currency`, times as Unix
/// milliseconds. Deprecated in favour of `POST /v2/products`.
#[utoipa::path(post, path = "/v1/products", tag = "products", operation_id = "createProductV1",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = CreateV1, content_type = "application/json", description = "The new product. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = ProductV1,
        headers(
            ("ETag" = String, description = "The new product's version, `\"v1\"`."),
            ("Location" = String, description = "The product's URL, `/v1/products/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_product_v1() {}

/// Create a product (v2)
///
/// Needs `products:write` (staff, admins). The product starts active, at version 1; the SKU must
/// be unique (409 `sku_taken`). The creation is audited (`product.create`) in the same batch.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`); with a different request it is 422
/// `idempotency_key_reused`; while the first is still running, 409 `idempotency_in_flight`.
/// Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v2 takes and shows the price as an `{amount, currency}` decimal string (at most as many
/// decimals as the currency has), times in RFC 3339.
#[utoipa::path(post, path = "/v2/products", tag = "products", operation_id = "createProductV2",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = CreateV2, content_type = "application/json", description = "The new product. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = ProductV2,
        headers(
            ("ETag" = String, description = "The new product's version, `\"v1\"`."),
            ("Location" = String, description = "The product's URL, `/v2/products/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_product_v2() {}

/// Change a product (v1)
///
/// Needs `products:write` (staff, admins). Send only the fields to change, at least one;
/// `active: true` re-activates a deactivated product. A new `price_minor` alone keeps the current
/// currency; a new `currency` needs `price_minor` too. Audited (`product.update`) in the same
/// batch; existing orders keep the prices they were placed at.
///
/// Send the `ETag` you read in `If-Match`: if the product changed since (including stock moved
/// by orders), the change is refused with 412. Without `If-Match`, a change racing another one
/// is still refused with 412 rather than overwriting it.
///
/// v1 takes and shows the price as integer minor units plus `currency`, times as Unix
/// milliseconds. Deprecated in favour of `PATCH /v2/products/{id}`.
#[utoipa::path(patch, path = "/v1/products/{id}", tag = "products", operation_id = "updateProductV1",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v3\""),
    ),
    request_body(content = PatchV1, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed product.", body = ProductV1,
        headers(("ETag" = String, description = "The product's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_product_v1() {}

/// Change a product (v2)
///
/// Needs `products:write` (staff, admins). Send only the fields to change, at least one;
/// `active: true` re-activates a deactivated product; `price` changes amount and currency
/// together. Audited (`product.update`) in the same batch; existing orders keep the prices they
/// were placed at.
///
/// Send the `ETag` you read in `If-Match`: if the product changed since (including stock moved
/// by orders), the change is refused with 412. Without `If-Match`, a change racing another one
/// is still refused with 412 rather than overwriting it.
///
/// v2 takes and shows the price as an `{amount, currency}` decimal string, times in RFC 3339.
#[utoipa::path(patch, path = "/v2/products/{id}", tag = "products", operation_id = "updateProductV2",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v3\""),
    ),
    request_body(content = PatchV2, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed product.", body = ProductV2,
        headers(("ETag" = String, description = "The product's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_product_v2() {}

/// Deactivate a product (v1)
///
/// Needs `products:write` (staff, admins). A soft delete: the product becomes inactive, so it
/// can no longer be ordered and disappears from public reads (404), but stays in existing orders
/// and remains visible to staff; `PATCH` with `active: true` restores it. Audited
/// (`product.deactivate`). Deactivating an inactive product changes nothing and also answers
/// 204. With `If-Match`, refused (412) if the product changed since you read it.
///
/// Deprecated in favour of `DELETE /v2/products/{id}` (identical behaviour).
#[utoipa::path(delete, path = "/v1/products/{id}", tag = "products", operation_id = "deleteProductV1",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v3\""),
    ),
    responses((status = 204, description = "Deactivated (or already inactive).")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_product_v1() {}

/// Deactivate a product (v2)
///
/// Needs `products:write` (staff, admins). A soft delete: the product becomes inactive, so it
/// can no longer be ordered and disappears from public reads (404), but stays in existing orders
/// and remains visible to staff; `PATCH` with `active: true` restores it. Audited
/// (`product.deactivate`). Deactivating an inactive product changes nothing and also answers
/// 204. With `If-Match`, refused (412) if the product changed since you read it.
#[utoipa::path(delete, path = "/v2/products/{id}", tag = "products", operation_id = "deleteProductV2",
    params(
        ("id" = String, Path, description = "The product id (UUID).", example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v3\""),
    ),
    responses((status = 204, description = "Deactivated (or already inactive).")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_product_v2() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_products_v1,
        list_products_v2,
        get_product_v1,
        get_product_v2,
        create_product_v1,
        create_product_v2,
        update_product_v1,
        update_product_v2,
        delete_product_v1,
        delete_product_v2
    ),
    components(schemas(
        ProductV1,
        ProductV2,
        ProductPageV1,
        ProductPageV2,
        CreateV1,
        CreateV2,
        PatchV1,
        PatchV2,
        Money,
        ProductSort
    ))
)]
pub struct ApiDoc;
