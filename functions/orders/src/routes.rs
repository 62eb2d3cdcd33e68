//! The REST face of orders: parse the request, call [`ordering`], render v1 or v2.

use http::{HeaderValue, StatusCode, header};
use identity::authenticate;
use ordering::placing::NewOrder;
use ordering::reading::{self, DEFAULT_SORT, ListFilter, SORTS};
use ordering::{Order, Status, lifecycle, placing};
use rest::listing::{self, Sort};
use rest::preconditions::{check_if_match, if_none_match, with_etag};
use rest::versions::{ApiVersion, parse_rfc3339};
use serde::Deserialize;
use web::{Problem, Request, Response, empty_response, json_response};

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// `order` as the request's version renders it, with its ETag.
fn order_response(request: &Request, status: StatusCode, order: &Order) -> Result<Response, Problem> {
    Ok(with_etag(json_response(status, &order.render(version(request)))?, order.version))
}

/// `GET /vN/orders/{id}` (`If-None-Match` → 304). The order and its items are read in the
/// credential check's own round trip, and shown only once the caller may see them.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let order = reading::visible_to_caller(&request, request.param("id")?).await?;
    if if_none_match(&request, order.version) {
        return Ok(with_etag(empty_response(StatusCode::NOT_MODIFIED), order.version));
    }
    let mut response = order_response(&request, StatusCode::OK, &order)?;
    // User data: never in shared caches; clients revalidate with the ETag.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(response)
}

/// `GET /vN/orders`: one's own orders, or all with `orders:read_all`. Filters `status`,
/// `customer_id`, `created_from`, `created_to` (Unix ms in v1, RFC 3339 in v2); sorts
/// `created_at`, `total`.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let version = version(&request);
    listing::check_params(&request, version, &["status", "customer_id", "created_from", "created_to"])?;
    let principal = authenticate(&request).await?;
    #[derive(Deserialize)]
    struct Params {
        status: Option<String>,
        customer_id: Option<String>,
        created_from: Option<String>,
        created_to: Option<String>,
        sort: Option<String>,
    }
    let params: Params = request.query()?;
    let sort = Sort::parse(params.sort.as_deref(), SORTS, DEFAULT_SORT)?;
    let page = listing::page(&request, version)?;
    let bad = |detail: &str| Problem::bad_request("invalid_query", detail.to_owned());
    let time_hint = if version == ApiVersion::V1 { "Unix milliseconds" } else { "RFC 3339 times" };
    let time = |name: &str, text: &Option<String>| -> Result<Option<i64>, Problem> {
        let Some(text) = text else { return Ok(None) };
        let millis = match version {
            ApiVersion::V1 => text.parse::<i64>().ok(),
            ApiVersion::V2 => parse_rfc3339(text),
        };
        // Times beyond ±2^53 ms cannot be stored exactly (and are millions of years away).
        millis
            .filter(|m| m.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64)
            .map(Some)
            .ok_or_else(|| bad(&format!("`{name}` must be {time_hint}.")))
    };
    let wanted = ListFilter {
        status: params
            .status
            .as_deref()
            .map(|s| s.parse::<Status>())
            .transpose()
            .map_err(|()| bad("`status` must be pending, processing, shipped, delivered or cancelled."))?,
        customer_id: params.customer_id,
        created_from: time("created_from", &params.created_from)?,
        created_to: time("created_to", &params.created_to)?,
    };
    let (orders, more, filter) = reading::list(&request, &principal, &wanted, sort, &page).await?;
    let items: Vec<_> = orders.iter().map(|o| o.render(version)).collect();
    let body = filter
        .page_body(&*request.platform().sql, "orders", &page, items, || {
            more.then(|| orders.last()).flatten().map(|o| reading::cursor_after(o, sort))
        })
        .await?;
    json_response(StatusCode::OK, &body)
}

/// `POST /vN/orders` (needs `orders:create`; honours `Idempotency-Key`).
pub async fn create(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let order: NewOrder = request.json()?;
    let key = request.header(rest::idempotency::HEADER);
    placing::place(&request, &principal, order, key, |order| {
        let mut response = order_response(&request, StatusCode::CREATED, order)?;
        let location = format!("{}/orders/{}", version(&request).prefix(), order.id);
        if let Ok(location) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Ok(response)
    })
    .await
}

/// `PATCH /vN/orders/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OrderStatusChange))]
pub(crate) struct StatusChange {
    /// The status to move to; owners may only send `cancelled`.
    #[cfg_attr(feature = "openapi", schema(value_type = ordering::schemas::OrderStatus, example = "cancelled"))]
    status: String,
}

/// `PATCH /vN/orders/{id}`: moves the status (honours `If-Match`). Owners may only cancel
/// (`orders:cancel`); staff (`orders:update_status`) may make any allowed move, audited.
/// Cancelling returns the stock in the same batch.
pub async fn update_status(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let order = lifecycle::change_status(&request, &principal, request.param("id")?, |order| {
        check_if_match(&request, order.version)?;
        let change: StatusChange = request.json()?;
        change.status.parse().map_err(|()| {
            Problem::unprocessable(
                "invalid_status",
                "`status` must be pending, processing, shipped, delivered or cancelled.",
            )
        })
    })
    .await?;
    order_response(&request, StatusCode::OK, &order)
}

/// `DELETE /vN/orders/{id}` (needs `orders:delete`, admins): removes the order and its items,
/// returning reserved stock if it still held any; audited; honours `If-Match`.
pub async fn delete(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    lifecycle::delete(&request, &principal, request.param("id")?, |order| check_if_match(&request, order.version))
        .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
