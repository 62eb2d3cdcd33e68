//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::{OpenApi, ToSchema};

use crate::customer::Representation;
use crate::routes::{CustomerChanges, NewCustomer};

/// A time as each version shows it: Unix milliseconds (integer) in v1, an RFC 3339 string (UTC,
/// millisecond precision) in v2. Documentation mirror of `rest::versions::Time`.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Timestamp {
    /// v1: Unix milliseconds.
    #[schema(example = 1_795_311_924_847_i64)]
    Millis(i64),
    /// v2: RFC 3339.
    #[schema(format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    Rfc3339(String),
}

/// A v1 page of customer profiles (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct CustomerPageV1 {
    /// The profiles on this page (times as Unix ms).
    pub items: Vec<Representation>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching profiles across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// A v2 page of customer profiles (keyset cursor).
#[derive(ToSchema)]
pub struct CustomerPageV2 {
    /// The profiles on this page (times in RFC 3339).
    pub items: Vec<Representation>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "WzE3OTUzMTE5MjQ4NDcsIjNkNmYyYTljIl0")]
    pub next_cursor: Option<String>,
}

/// A customer list order: a field, prefixed with `-` for descending. Default `-created_at`.
#[derive(ToSchema)]
pub enum CustomerSort {
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
}

/// List customer profiles (v1)
///
/// Needs `customers:self` (customers: the list holds at most their own profile) or
/// `customers:all` (staff, admins: every profile). Unknown or repeated query parameters are
/// refused (400).
///
/// v1 shows times as Unix milliseconds and pages with `page`/`per_page`, answering
/// `{items, page, per_page, total}`. Deprecated in favour of `GET /v2/customers` (responses carry
/// `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(get, path = "/v1/customers", tag = "customers", operation_id = "listCustomersV1",
    params(
        ("email" = Option<String>, Query, description = "Only the profile with this email (exact match after trimming and lower-casing).", example = "ada@example.com"),
        ("q" = Option<String>, Query, description = "Only profiles whose name starts with this text (`%` and `_` match literally).", example = "Ada"),
        ("sort" = Option<CustomerSort>, Query, description = "Order: `created_at` or `name`, prefixed with `-` for descending. Default `-created_at`."),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
    ),
    responses((status = 200, description = "One page of profiles.", body = CustomerPageV1)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_customers_v1() {}

/// List customer profiles (v2)
///
/// Needs `customers:self` (customers: the list holds at most their own profile) or
/// `customers:all` (staff, admins: every profile). Unknown or repeated query parameters are
/// refused (400).
///
/// v2 shows times in RFC 3339 and pages with an opaque keyset cursor: pass `limit` and the
/// previous page's `next_cursor` as `cursor`; answers `{items, next_cursor}`, without
/// `next_cursor` on the last page.
#[utoipa::path(get, path = "/v2/customers", tag = "customers", operation_id = "listCustomersV2",
    params(
        ("email" = Option<String>, Query, description = "Only the profile with this email (exact match after trimming and lower-casing).", example = "ada@example.com"),
        ("q" = Option<String>, Query, description = "Only profiles whose name starts with this text (`%` and `_` match literally).", example = "Ada"),
        ("sort" = Option<CustomerSort>, Query, description = "Order: `created_at` or `name`, prefixed with `-` for descending. Default `-created_at`."),
        ("limit" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (opaque); omit for the first page. Keep the same filters and sort."),
    ),
    responses((status = 200, description = "One page of profiles.", body = CustomerPageV2)),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_customers_v2() {}

/// Create a customer profile (v1)
///
/// Needs `customers:self` or `customers:all`. Creates the caller's own profile; with `user_id`,
/// holders of `customers:all` (staff, admins) create one for another user, which is audited
/// (`customer.create`). One profile per user (409 `profile_exists`); emails are unique (409
/// `email_taken`); an unknown `user_id` is 422 `unknown_user`. A profile is needed before
/// placing orders.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`); with a different request it is 422
/// `idempotency_key_reused`; while the first is still running, 409 `idempotency_in_flight`.
/// Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v1 shows times as Unix milliseconds. Deprecated in favour of `POST /v2/customers`.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", operation_id = "createCustomerV1",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = NewCustomer, content_type = "application/json", description = "The new profile. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = Representation,
        headers(
            ("ETag" = String, description = "The new profile's version, `\"v1\"`."),
            ("Location" = String, description = "The profile's URL, `/v1/customers/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_customer_v1() {}

/// Create a customer profile (v2)
///
/// Needs `customers:self` or `customers:all`. Creates the caller's own profile; with `user_id`,
/// holders of `customers:all` (staff, admins) create one for another user, which is audited
/// (`customer.create`). One profile per user (409 `profile_exists`); emails are unique (409
/// `email_taken`); an unknown `user_id` is 422 `unknown_user`. A profile is needed before
/// placing orders.
///
/// Send an `Idempotency-Key` to make retries safe: the same key with the same request replays
/// the stored response (with `Idempotent-Replayed: true`); with a different request it is 422
/// `idempotency_key_reused`; while the first is still running, 409 `idempotency_in_flight`.
/// Keys are scoped to the caller and forgotten after 24 hours (by default).
///
/// v2 shows times in RFC 3339.
#[utoipa::path(post, path = "/v2/customers", tag = "customers", operation_id = "createCustomerV2",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18"),
    ),
    request_body(content = NewCustomer, content_type = "application/json", description = "The new profile. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = Representation,
        headers(
            ("ETag" = String, description = "The new profile's version, `\"v1\"`."),
            ("Location" = String, description = "The profile's URL, `/v2/customers/{id}`."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_customer_v2() {}

/// Get a customer profile (v1)
///
/// The profile's owner, or holders of `customers:all` (staff, admins). Anyone else's profile
/// answers 404, never 403, so ids cannot be probed. The `ETag` (`"v<version>"`) is what
/// `If-Match` expects.
///
/// v1 shows times as Unix milliseconds. Deprecated in favour of `GET /v2/customers/{id}`.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", operation_id = "getCustomerV1",
    params(("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31")),
    responses((status = 200, description = "The profile.", body = Representation,
        headers(("ETag" = String, description = "The profile's version, `\"v<version>\"`.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_customer_v1() {}

/// Get a customer profile (v2)
///
/// The profile's owner, or holders of `customers:all` (staff, admins). Anyone else's profile
/// answers 404, never 403, so ids cannot be probed. The `ETag` (`"v<version>"`) is what
/// `If-Match` expects.
///
/// v2 shows times in RFC 3339.
#[utoipa::path(get, path = "/v2/customers/{id}", tag = "customers", operation_id = "getCustomerV2",
    params(("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31")),
    responses((status = 200, description = "The profile.", body = Representation,
        headers(("ETag" = String, description = "The profile's version, `\"v<version>\"`.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_customer_v2() {}

/// Change a customer profile (v1)
///
/// The profile's owner, or holders of `customers:all` (staff, admins); anyone else's profile
/// answers 404. Send only the fields to change, at least one (`null` keeps a field; a phone
/// cannot be removed). Emails stay unique (409 `email_taken`). Changes by someone other than the
/// owner are audited (`customer.update`).
///
/// Send the `ETag` you read in `If-Match`: if the profile changed since, the change is refused
/// with 412. Without `If-Match`, a change racing another one is still refused with 412.
///
/// v1 shows times as Unix milliseconds. Deprecated in favour of `PATCH /v2/customers/{id}`.
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "customers", operation_id = "updateCustomerV1",
    params(
        ("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    request_body(content = CustomerChanges, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed profile.", body = Representation,
        headers(("ETag" = String, description = "The profile's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_customer_v1() {}

/// Change a customer profile (v2)
///
/// The profile's owner, or holders of `customers:all` (staff, admins); anyone else's profile
/// answers 404. Send only the fields to change, at least one (`null` keeps a field; a phone
/// cannot be removed). Emails stay unique (409 `email_taken`). Changes by someone other than the
/// owner are audited (`customer.update`).
///
/// Send the `ETag` you read in `If-Match`: if the profile changed since, the change is refused
/// with 412. Without `If-Match`, a change racing another one is still refused with 412.
///
/// v2 shows times in RFC 3339.
#[utoipa::path(patch, path = "/v2/customers/{id}", tag = "customers", operation_id = "updateCustomerV2",
    params(
        ("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    request_body(content = CustomerChanges, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed profile.", body = Representation,
        headers(("ETag" = String, description = "The profile's new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_customer_v2() {}

/// Delete a customer profile (v1)
///
/// The profile's owner, or holders of `customers:all` (staff, admins); anyone else's profile
/// answers 404. A hard delete, refused while orders reference the profile (409
/// `customer_has_orders`). Deletions by someone other than the owner are audited
/// (`customer.delete`). With `If-Match`, refused (412) if the profile changed since you read it.
///
/// Deprecated in favour of `DELETE /v2/customers/{id}` (identical behaviour).
#[utoipa::path(delete, path = "/v1/customers/{id}", tag = "customers", operation_id = "deleteCustomerV1",
    params(
        ("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_customer_v1() {}

/// Delete a customer profile (v2)
///
/// The profile's owner, or holders of `customers:all` (staff, admins); anyone else's profile
/// answers 404. A hard delete, refused while orders reference the profile (409
/// `customer_has_orders`). Deletions by someone other than the owner are audited
/// (`customer.delete`). With `If-Match`, refused (412) if the profile changed since you read it.
#[utoipa::path(delete, path = "/v2/customers/{id}", tag = "customers", operation_id = "deleteCustomerV2",
    params(
        ("id" = String, Path, description = "The profile id (UUID).", example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v1\""),
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_customer_v2() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_customers_v1,
        list_customers_v2,
        create_customer_v1,
        create_customer_v2,
        get_customer_v1,
        get_customer_v2,
        update_customer_v1,
        update_customer_v2,
        delete_customer_v1,
        delete_customer_v2
    ),
    components(schemas(
        Representation,
        CustomerPageV1,
        CustomerPageV2,
        NewCustomer,
        CustomerChanges,
        Timestamp,
        CustomerSort
    ))
)]
pub struct ApiDoc;
