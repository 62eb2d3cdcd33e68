//! Who may see an order, the reads that fetch orders with their items, and list filters.

use identity::{Permission, Principal};
use rest::listing::{Filter, Page, Sort, SortKey, encode_cursor, split_extra};
use web::Pending;
use web::ports::sql::{Statement, StatementResult, Value};
use web::{Problem, Request};

use crate::order::{COLUMNS, ITEM_COLUMNS, Item, Order};
use crate::status::Status;

/// The sorts a list offers.
pub const SORTS: &[SortKey] =
    &[SortKey { name: "created_at", column: "created_at" }, SortKey { name: "total", column: "total_minor" }];
/// Newest first.
pub const DEFAULT_SORT: Sort = Sort { key: SORTS[0], descending: true };

/// The two reads that fetch order `id` and its items; give them to
/// [`identity::authenticate_with`] so they share the credential check's round trip, then pass
/// the results to [`visible_from`].
pub fn reads(id: &str) -> Vec<Statement> {
    vec![
        Statement::new(format!("SELECT {COLUMNS} FROM orders WHERE id = ?1")).bind(id),
        Statement::new(format!("SELECT {ITEM_COLUMNS} FROM order_items WHERE order_id = ?1 ORDER BY line")).bind(id),
    ]
}

/// The order (with its items) from the results of [`reads`], if `principal` may see it: their
/// own, or any with `orders:read_all`. Another user's order is 404, exactly like a missing one.
pub fn visible_from(principal: &Principal, results: Vec<StatementResult>) -> Result<Order, Problem> {
    principal.require(Permission::OrdersRead)?;
    let [orders, items] = <[_; 2]>::try_from(results).map_err(|_| Problem::internal("order read: two results"))?;
    let row = orders.rows.first().ok_or_else(Problem::not_found)?;
    let mut order = Order::from_row(row)?;
    principal.owner_or(&order.user_id, Permission::OrdersReadAll)?;
    for row in &items.rows {
        order.items.push(Item::from_row(row)?.1);
    }
    Ok(order)
}

/// Order `id` with its items, if the request's caller may see it: the credential check and the
/// two reads in one round trip ([`identity::authenticate_with`]).
#[inline(never)]
pub fn visible_to_caller<'a>(request: &'a Request, id: &'a str) -> Pending<'a, Order> {
    Box::pin(async move {
        let (principal, results) = identity::authenticate_with(request, reads(id)).await?;
        visible_from(&principal, results)
    })
}

/// Order `id` with its items, if `principal` may see it (one round trip).
#[inline(never)]
pub fn visible<'a>(request: &'a Request, principal: &'a Principal, id: &'a str) -> Pending<'a, Order> {
    Box::pin(async move {
        let results = request.platform().sql.batch_read(&reads(id)).await?;
        visible_from(principal, results)
    })
}

/// What a list of orders is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only orders in this status.
    pub status: Option<Status>,
    /// Only this customer profile's orders.
    pub customer_id: Option<String>,
    /// Created at or after (Unix ms).
    pub created_from: Option<i64>,
    /// Created before (Unix ms).
    pub created_to: Option<i64>,
}

/// One page of orders `principal` may see (their own, or all with `orders:read_all`), with
/// their items, and whether another page follows.
#[inline(never)]
pub fn list<'a>(
    request: &'a Request,
    principal: &'a Principal,
    wanted: &'a ListFilter,
    sort: Sort,
    page: &'a Page,
) -> Pending<'a, (Vec<Order>, bool, Filter)> {
    Box::pin(async move {
        principal.require(Permission::OrdersRead)?;
        let mut filter = Filter::default();
        if !principal.has(Permission::OrdersReadAll) {
            filter.and("user_id = ?", [Value::from(principal.user_id.as_str())]);
        }
        if let Some(status) = wanted.status {
            filter.and("status = ?", [Value::from(status.as_str())]);
        }
        if let Some(customer) = &wanted.customer_id {
            filter.and("customer_id = ?", [Value::from(customer.as_str())]);
        }
        if let Some(from) = wanted.created_from {
            filter.and("created_at >= ?", [Value::from(from)]);
        }
        if let Some(to) = wanted.created_to {
            filter.and("created_at < ?", [Value::from(to)]);
        }
        let (query, values) = filter.page_query(COLUMNS, "orders", sort, page);
        let sql = &request.platform().sql;
        let mut orders = sql
            .query(&Statement { sql: query, params: values })
            .await?
            .iter()
            .map(Order::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = split_extra(&mut orders, page);
        attach_items(request, &mut orders).await?;
        Ok((orders, more, filter))
    })
}

/// The cursor after `last` in `sort` order (pass it back to read the next page).
pub fn cursor_after(last: &Order, sort: Sort) -> String {
    let value = if sort.key.column == "total_minor" { last.total_minor } else { last.created_at };
    encode_cursor(&Value::from(value), &last.id)
}

/// Attaches every order's items with one query for the whole page (no N+1).
pub async fn attach_items(request: &Request, orders: &mut [Order]) -> Result<(), Problem> {
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
