//! Reading, listing, moving and deleting orders.

use http::StatusCode;
use identity::ids::new_id;
use identity::{Permission, Principal, authenticate, authenticate_with};
use rest::audit::{self, Entry};
use rest::listing::{self, Filter, Sort, SortKey, encode_cursor, split_extra};
use rest::outbox;
use rest::preconditions::{check_if_match, if_none_match, precondition_failed, with_etag};
use rest::versions::{ApiVersion, parse_rfc3339};
use serde::Deserialize;
use web::ports::sql::{Statement, Value};
use web::{Problem, Request, Response, empty_response, json_response};

use crate::order::{COLUMNS, ITEM_COLUMNS, Item, Order};
use crate::status::Status;

const SORTS: &[SortKey] =
    &[SortKey { name: "created_at", column: "created_at" }, SortKey { name: "total", column: "total_minor" }];
const DEFAULT_SORT: Sort = Sort { key: SORTS[0], descending: true };

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// Attaches every order's items with one query for the whole page (no N+1).
async fn attach_items(request: &Request, orders: &mut [Order]) -> Result<(), Problem> {
    if orders.is_empty() {
        return Ok(());
    }
    let placeholders = vec!["?"; orders.len()].join(", ");
    let mut statement = Statement::new(format!(
        "SELECT {ITEM_COLUMNS} FROM order_items WHERE order_id IN ({placeholders}) ORDER BY order_id, line"
    ));
    statement.params = orders.iter().map(|o| Value::from(o.id.as_str())).collect();
    for row in request.platform().sql.query(&statement).await? {
        let (order_id, item) = Item::from_row(&row)?;
        if let Some(order) = orders.iter_mut().find(|o| o.id == order_id) {
            order.items.push(item);
        }
    }
    Ok(())
}

/// An order the caller may see: their own, or any with `orders:read_all`. Otherwise 404.
async fn visible(request: &Request, principal: &Principal) -> Result<Order, Problem> {
    let statement = Statement::new(format!("SELECT {COLUMNS} FROM orders WHERE id = ?1")).bind(request.param("id")?);
    let row = request.platform().sql.query_optional(&statement).await?.ok_or_else(Problem::not_found)?;
    let order = Order::from_row(&row)?;
    principal.owner_or(&order.user_id, Permission::OrdersReadAll)?;
    Ok(order)
}

/// `GET /vN/orders/{id}` (`If-None-Match` → 304). The order and its items are read in the
/// credential check's own round trip, and shown only once the caller may see them.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let id = request.param("id")?;
    let reads = vec![
        Statement::new(format!("SELECT {COLUMNS} FROM orders WHERE id = ?1")).bind(id),
        Statement::new(format!("SELECT {ITEM_COLUMNS} FROM order_items WHERE order_id = ?1 ORDER BY line")).bind(id),
    ];
    let (principal, results) = authenticate_with(&request, reads).await?;
    principal.require(Permission::OrdersRead)?;
    let [orders, items] = <[_; 2]>::try_from(results).map_err(|_| Problem::internal("order read: two results"))?;
    let row = orders.rows.first().ok_or_else(Problem::not_found)?;
    let mut order = Order::from_row(row)?;
    principal.owner_or(&order.user_id, Permission::OrdersReadAll)?;
    if if_none_match(&request, order.version) {
        return Ok(with_etag(empty_response(StatusCode::NOT_MODIFIED), order.version));
    }
    for row in &items.rows {
        order.items.push(Item::from_row(row)?.1);
    }
    let mut response = with_etag(json_response(StatusCode::OK, &order.render(version(&request)))?, order.version);
    // User data: never in shared caches; clients revalidate with the ETag.
    response.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("private, no-cache"));
    Ok(response)
}

/// `GET /vN/orders`: one's own orders, or all with `orders:read_all`. Filters `status`,
/// `customer_id`, `created_from`, `created_to` (Unix ms in v1, RFC 3339 in v2); sorts
/// `created_at`, `total`.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let version = version(&request);
    listing::check_params(&request, version, &["status", "customer_id", "created_from", "created_to"])?;
    let principal = authenticate(&request).await?;
    principal.require(Permission::OrdersRead)?;
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
    let time = |text: &str| {
        let millis = match version {
            ApiVersion::V1 => text.parse::<i64>().ok(),
            ApiVersion::V2 => parse_rfc3339(text),
        };
        // Times beyond ±2^53 ms cannot be stored exactly (and are millions of years away).
        millis.filter(|m| m.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64)
    };

    let mut filter = Filter::default();
    if !principal.has(Permission::OrdersReadAll) {
        filter.and("user_id = ?", [Value::from(principal.user_id.as_str())]);
    }
    if let Some(status) = &params.status {
        let status: Status = status
            .parse()
            .map_err(|()| bad("`status` must be pending, processing, shipped, delivered or cancelled."))?;
        filter.and("status = ?", [Value::from(status.as_str())]);
    }
    if let Some(customer) = &params.customer_id {
        filter.and("customer_id = ?", [Value::from(customer.as_str())]);
    }
    let time_hint = if version == ApiVersion::V1 { "Unix milliseconds" } else { "RFC 3339 times" };
    if let Some(from) = &params.created_from {
        let from = time(from).ok_or_else(|| bad(&format!("`created_from` must be {time_hint}.")))?;
        filter.and("created_at >= ?", [Value::from(from)]);
    }
    if let Some(to) = &params.created_to {
        let to = time(to).ok_or_else(|| bad(&format!("`created_to` must be {time_hint}.")))?;
        filter.and("created_at < ?", [Value::from(to)]);
    }

    let sql = &request.platform().sql;
    let (query, values) = filter.page_query(COLUMNS, "orders", sort, &page);
    let mut orders = sql
        .query(&Statement { sql: query, params: values })
        .await?
        .iter()
        .map(Order::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = split_extra(&mut orders, &page);
    attach_items(&request, &mut orders).await?;
    let items: Vec<_> = orders.iter().map(|o| o.render(version)).collect();
    let body = filter
        .page_body(&**sql, "orders", &page, items, || {
            more.then(|| orders.last()).flatten().map(|o| {
                let value = if sort.key.column == "total_minor" { o.total_minor } else { o.created_at };
                encode_cursor(&Value::from(value), &o.id)
            })
        })
        .await?;
    json_response(StatusCode::OK, &body)
}

/// `PATCH /vN/orders/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OrderStatusChange))]
pub(crate) struct StatusChange {
    /// The status to move to; owners may only send `cancelled`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_docs::OrderStatus, example = "cancelled"))]
    status: String,
}

/// `PATCH /vN/orders/{id}`: moves the status (honours `If-Match`). Owners may only cancel
/// (`orders:cancel`); staff (`orders:update_status`) may make any allowed move, audited.
/// Cancelling returns the stock in the same batch.
pub async fn update_status(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::OrdersRead)?;
    let mut order = visible(&request, &principal).await?;
    check_if_match(&request, order.version)?;
    let change: StatusChange = request.json()?;
    let to: Status = change.status.parse().map_err(|()| {
        Problem::unprocessable(
            "invalid_status",
            "`status` must be pending, processing, shipped, delivered or cancelled.",
        )
    })?;
    let staff = principal.has(Permission::OrdersUpdateStatus);
    if !staff {
        // `orders:cancel` is for one's own orders, even for a credential that may read others'.
        let may_cancel =
            to == Status::Cancelled && principal.has(Permission::OrdersCancel) && order.user_id == principal.user_id;
        if !may_cancel {
            return Err(identity::forbidden(Permission::OrdersUpdateStatus));
        }
    }
    if !order.status.can_become(to) {
        let allowed: Vec<&str> = order.status.next().iter().map(|s| s.as_str()).collect();
        return Err(Problem::new(StatusCode::CONFLICT, "invalid_transition", "Invalid status transition")
            .with_detail(format!(
                "An order that is {} can become: {}.",
                order.status,
                if allowed.is_empty() { "nothing (final)".to_owned() } else { allowed.join(", ") }
            ))
            .with_extension("allowed", allowed));
    }

    let platform = request.platform();
    let now = platform.clock.now_millis();
    let mutation = new_id(&*platform.random)?;
    let before = order.audit_summary();
    let mut batch = vec![
        Statement::new(
            "UPDATE orders SET status = ?3, updated_at = ?4, version = version + 1, mutation_id = ?5 \
             WHERE id = ?1 AND version = ?2 AND status = ?6",
        )
        .bind(order.id.as_str())
        .bind(order.version)
        .bind(to.as_str())
        .bind(now)
        .bind(mutation.as_str())
        .bind(order.status.as_str()),
    ];
    let applied = (
        "EXISTS (SELECT 1 FROM orders WHERE id = ? AND mutation_id = ?)",
        vec![Value::from(order.id.as_str()), Value::from(mutation.as_str())],
    );
    if to == Status::Cancelled {
        batch.push(restock(&order.id, now, RestockIf::Changed(&mutation)));
    }
    order.status = to;
    order.updated_at = now;
    order.version += 1;
    // The lines do not change; they are read now so the event carries the whole order.
    attach_items(&request, std::slice::from_mut(&mut order)).await?;
    batch.push(outbox::statement(&request, &order.event("order.status_changed"), Some(applied.clone())));
    if staff {
        batch.push(audit::statement(
            &request,
            &principal,
            &Entry {
                action: "order.status",
                target_type: "order",
                target_id: &order.id,
                before: Some(before),
                after: Some(order.audit_summary()),
            },
            Some(applied),
        ));
    }
    let results = platform.sql.batch(&batch).await?;
    if results[0].rows_affected == 0 {
        return Err(precondition_failed());
    }
    if to == Status::Cancelled {
        let ids: Vec<&str> = order.items.iter().map(|i| i.product_id.as_str()).collect();
        rest::catalog_cache::products_changed(platform, &ids).await;
    }
    webhook_delivery::after_change(platform);
    Ok(with_etag(json_response(StatusCode::OK, &order.render(version(&request)))?, order.version))
}

/// What a restock is conditional on, so that stock comes back exactly once.
enum RestockIf<'a> {
    /// The status change with this mutation id applied to the order in this batch.
    Changed(&'a str),
    /// The order is still at this version and holds stock (it is deleted in the same batch).
    Unchanged(i64),
}

/// Returns an order's units to stock, if `condition` holds.
fn restock(order_id: &str, now: i64, condition: RestockIf<'_>) -> Statement {
    let (guard, value) = match condition {
        RestockIf::Changed(mutation) => {
            ("EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND mutation_id = ?3)", Value::from(mutation))
        }
        RestockIf::Unchanged(version) => (
            "EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND version = ?3 AND status IN ('pending', 'processing'))",
            Value::from(version),
        ),
    };
    Statement::new(format!(
        "UPDATE products SET stock = stock + (SELECT quantity FROM order_items WHERE order_id = ?1 AND product_id = products.id), \
         version = version + 1, updated_at = ?2 \
         WHERE id IN (SELECT product_id FROM order_items WHERE order_id = ?1) AND {guard}"
    ))
    .bind(order_id)
    .bind(now)
    .bind(value)
}

/// `DELETE /vN/orders/{id}` (needs `orders:delete`, admins): removes the order and its items,
/// returning reserved stock if it still held any; audited; honours `If-Match`.
pub async fn delete(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::OrdersDelete)?;
    let order = visible(&request, &principal).await?;
    check_if_match(&request, order.version)?;
    let platform = request.platform();
    let mut order = order;
    attach_items(&request, std::slice::from_mut(&mut order)).await?;
    let unchanged = (
        "EXISTS (SELECT 1 FROM orders WHERE id = ? AND version = ?)",
        vec![Value::from(order.id.as_str()), Value::from(order.version)],
    );
    let batch = [
        restock(&order.id, platform.clock.now_millis(), RestockIf::Unchanged(order.version)),
        audit::statement(
            &request,
            &principal,
            &Entry {
                action: "order.delete",
                target_type: "order",
                target_id: &order.id,
                before: Some(order.audit_summary()),
                after: None,
            },
            Some(unchanged.clone()),
        ),
        outbox::statement(&request, &order.event("order.deleted"), Some(unchanged)),
        Statement::new("DELETE FROM orders WHERE id = ?1 AND version = ?2").bind(order.id.as_str()).bind(order.version),
    ];
    let results = platform.sql.batch(&batch).await?;
    if results[3].rows_affected == 0 {
        return Err(precondition_failed());
    }
    let ids: Vec<&str> = order.items.iter().map(|i| i.product_id.as_str()).collect();
    rest::catalog_cache::products_changed(platform, &ids).await;
    webhook_delivery::after_change(platform);
    Ok(empty_response(StatusCode::NO_CONTENT))
}
