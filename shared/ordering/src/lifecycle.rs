//! Moving an order through its status machine (cancelling returns the stock) and deleting it,
//! each with its audit row and outbox event in the change's own SQL batch.

use http::StatusCode;
use identity::ids::new_id;
use identity::{Permission, Principal};
use rest::audit::{self, Entry};
use rest::outbox;
use rest::preconditions::precondition_failed;
use web::ports::sql::{Statement, Value};
use web::{Pending, Problem, Request};

use crate::order::Order;
use crate::reading::visible;
use crate::status::Status;

/// Moves order `id` to the status `target` picks once the order is read (a face checks its
/// preconditions there, such as `If-Match`, then names the status). Owners may only cancel
/// their own (`orders:cancel`); staff (`orders:update_status`) may make any allowed move,
/// audited. Cancelling returns the stock in the same batch. A concurrent change between the
/// read and the write is 412 `precondition_failed`.
pub fn change_status<'a>(
    request: &'a Request,
    principal: &'a Principal,
    id: &'a str,
    target: impl FnOnce(&Order) -> Result<Status, Problem> + 'a,
) -> Pending<'a, Order> {
    changing_status(request, principal, id, Box::new(target))
}

/// How a face picks the new status once the order is read.
type Target<'a> = Box<dyn FnOnce(&Order) -> Result<Status, Problem> + 'a>;

/// [`change_status`], once for every face (see [`Pending`]).
#[inline(never)]
fn changing_status<'a>(
    request: &'a Request,
    principal: &'a Principal,
    id: &'a str,
    target: Target<'a>,
) -> Pending<'a, Order> {
    Box::pin(async move {
        let mut order = visible(request, principal, id).await?;
        let to = target(&order)?;
        let staff = principal.has(Permission::OrdersUpdateStatus);
        if !staff {
            // `orders:cancel` is for one's own orders, even for a credential that may read others'.
            let may_cancel = to == Status::Cancelled
                && principal.has(Permission::OrdersCancel)
                && order.user_id == principal.user_id;
            if !may_cancel {
                return Err(identity::forbidden(Permission::OrdersUpdateStatus));
            }
        }
        if !order.status.can_become(to) {
            return Err(invalid_transition(order.status));
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
        batch.push(outbox::statement(request, &order.event("order.status_changed"), Some(applied.clone())));
        if staff {
            batch.push(audit::statement(
                request,
                principal,
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
            rest::catalog_cache::products_changed(platform, &order.product_ids()).await;
        }
        webhook_delivery::after_change(platform);
        Ok(order)
    })
}

/// 409 `invalid_transition`, listing where an order that is `from` may go.
fn invalid_transition(from: Status) -> Problem {
    let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
    Problem::new(StatusCode::CONFLICT, "invalid_transition", "Invalid status transition")
        .with_detail(format!(
            "An order that is {from} can become: {}.",
            if allowed.is_empty() { "nothing (final)".to_owned() } else { allowed.join(", ") }
        ))
        .with_extension("allowed", allowed)
}

/// Deletes order `id` (needs `orders:delete`, admins) with its items, returning reserved stock
/// if it still held any; audited. `precondition` sees the order as read.
pub async fn delete(
    request: &Request,
    principal: &Principal,
    id: &str,
    precondition: impl FnOnce(&Order) -> Result<(), Problem>,
) -> Result<(), Problem> {
    principal.require(Permission::OrdersDelete)?;
    let order = visible(request, principal, id).await?;
    precondition(&order)?;
    let platform = request.platform();
    let unchanged = (
        "EXISTS (SELECT 1 FROM orders WHERE id = ? AND version = ?)",
        vec![Value::from(order.id.as_str()), Value::from(order.version)],
    );
    let batch = [
        restock(&order.id, platform.clock.now_millis(), RestockIf::Unchanged(order.version)),
        audit::statement(
            request,
            principal,
            &Entry {
                action: "order.delete",
                target_type: "order",
                target_id: &order.id,
                before: Some(order.audit_summary()),
                after: None,
            },
            Some(unchanged.clone()),
        ),
        outbox::statement(request, &order.event("order.deleted"), Some(unchanged)),
        Statement::new("DELETE FROM orders WHERE id = ?1 AND version = ?2").bind(order.id.as_str()).bind(order.version),
    ];
    let results = platform.sql.batch(&batch).await?;
    if results[3].rows_affected == 0 {
        return Err(precondition_failed());
    }
    rest::catalog_cache::products_changed(platform, &order.product_ids()).await;
    webhook_delivery::after_change(platform);
    Ok(())
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
