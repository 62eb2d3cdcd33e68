//! Placing an order: price the items, reserve stock and create the order in one batch.
//!
//! Correctness under concurrency rests on the database, not on the read that priced the order:
//! - each line's unit price is re-read *inside* the batch and must equal the price quoted (a
//!   NULL from the sub-query violates `NOT NULL`, aborting the batch if the product changed or
//!   was deactivated meanwhile);
//! - each line decrements stock, and `CHECK (stock >= 0)` aborts the batch on oversell.
//!
//! So an order never exists without its items, and concurrent orders for the last units of a
//! product cannot together take more than there is.

use std::collections::HashSet;

use http::StatusCode;
use identity::ids::new_id;
use identity::settings::seconds;
use identity::{Permission, Principal};
use rest::idempotency;
use rest::money::{line_total, order_total};
use rest::outbox;
use serde::Deserialize;
use web::ports::PortErrorKind;
use web::ports::sql::{Statement, Value};
use web::{Pending, Problem, Request, Response};

use crate::order::{Item, Order};
use crate::status::Status;

/// A new order (the `POST /vN/orders` body).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOrder {
    /// The lines: 1 to the `max_order_items` setting (default 50), each product once, all in one currency.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub items: Vec<NewItem>,
}

/// One line of a new order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = NewOrderItem))]
pub struct NewItem {
    /// An active product's id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub product_id: String,
    /// Units: 1 to the `max_item_quantity` setting (default 100), no more than in stock.
    #[cfg_attr(feature = "openapi", schema(example = 2, minimum = 1))]
    pub quantity: i64,
}

struct Limits {
    items: usize,
    quantity: i64,
}

async fn limits(request: &Request) -> Result<Limits, Problem> {
    let config = &*request.platform().config;
    // `seconds` reads positive integers; these are counts, not durations.
    Ok(Limits {
        items: usize::try_from(seconds(config, "max_order_items", 50).await?).unwrap_or(50),
        quantity: seconds(config, "max_item_quantity", 100).await?,
    })
}

/// Places `order` for the caller (needs `orders:create`), under the idempotency `key` if one
/// was given: a repeat of an identical earlier request gets that request's stored response.
/// `render` makes the face's answer for the new order; it is stored with the order, in its
/// batch, so that a replay answers exactly the same.
pub fn place<'a>(
    request: &'a Request,
    principal: &'a Principal,
    order: NewOrder,
    key: Option<&'a str>,
    render: impl FnOnce(&Order) -> Result<Response, Problem> + 'a,
) -> Pending<'a, Response> {
    placing(request, principal, order, key, Box::new(render))
}

/// [`place`], once for every face (see [`Pending`]).
#[inline(never)]
fn placing<'a>(
    request: &'a Request,
    principal: &'a Principal,
    order: NewOrder,
    key: Option<&'a str>,
    render: Render<'a>,
) -> Pending<'a, Response> {
    Box::pin(async move {
        principal.require(Permission::OrdersCreate)?;
        idempotency::run_keyed(request, principal, key, async |reservation| {
            create(request, principal, order, reservation, render).await
        })
        .await
    })
}

/// How a face answers for a new order.
type Render<'a> = Box<dyn FnOnce(&Order) -> Result<Response, Problem> + 'a>;

fn unprocessable(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::unprocessable(code, detail)
}

async fn create(
    request: &Request,
    principal: &Principal,
    body: NewOrder,
    reservation: Option<&idempotency::Reservation>,
    render: Render<'_>,
) -> Result<Response, Problem> {
    let limits = limits(request).await?;
    if body.items.is_empty() || body.items.len() > limits.items {
        return Err(unprocessable("invalid_order", format!("An order needs 1-{} items.", limits.items)));
    }
    let mut seen = HashSet::new();
    for item in &body.items {
        if !(1..=limits.quantity).contains(&item.quantity) {
            return Err(unprocessable("invalid_order", format!("Each quantity must be 1-{}.", limits.quantity)));
        }
        if !seen.insert(item.product_id.as_str()) {
            return Err(unprocessable("invalid_order", "List each product once, with its total quantity."));
        }
    }
    let platform = request.platform();
    // The caller's customer profile and the catalogue as it is now, in one round trip.
    let placeholders = vec!["?"; body.items.len()].join(", ");
    let mut lookup = Statement::new(format!(
        "SELECT id, sku, name, price_minor, currency, active, stock FROM products WHERE id IN ({placeholders})"
    ));
    lookup.params = body.items.iter().map(|i| Value::from(i.product_id.as_str())).collect();
    let profile = Statement::new("SELECT id FROM customers WHERE user_id = ?1").bind(principal.user_id.as_str());
    let [profile, products] = <[_; 2]>::try_from(platform.sql.batch_read(&[profile, lookup]).await?)
        .map_err(|_| Problem::internal("order lookups: two results"))?;
    let customer_id = own_customer(profile.rows.first())?;
    let products = products.rows;
    let mut items = Vec::with_capacity(body.items.len());
    let mut currency: Option<String> = None;
    for (index, wanted) in body.items.iter().enumerate() {
        let product = products
            .iter()
            .find(|row| row.get::<String>("id").is_ok_and(|id| id == wanted.product_id))
            .ok_or_else(|| unprocessable("unknown_product", format!("No product {}.", wanted.product_id)))?;
        if !product.get::<bool>("active")? {
            return Err(unprocessable(
                "product_unavailable",
                format!("Product {} is no longer sold.", wanted.product_id),
            ));
        }
        let code: String = product.get("currency")?;
        if currency.get_or_insert_with(|| code.clone()) != &code {
            return Err(unprocessable("mixed_currencies", "All items of an order must share one currency."));
        }
        if product.get::<i64>("stock")? < wanted.quantity {
            return Err(insufficient_stock());
        }
        let unit: i64 = product.get("price_minor")?;
        items.push(Item {
            line: i64::try_from(index + 1).unwrap_or(i64::MAX),
            product_id: wanted.product_id.clone(),
            sku: product.get("sku")?,
            name: product.get("name")?,
            unit_price_minor: unit,
            quantity: wanted.quantity,
            line_total_minor: line_total(unit, wanted.quantity)
                .ok_or_else(|| unprocessable("invalid_order", "Order total overflows."))?,
        });
    }
    let total = order_total(items.iter().map(|i| (i.unit_price_minor, i.quantity)))
        .ok_or_else(|| unprocessable("invalid_order", "Order total overflows."))?;
    let now = platform.clock.now_millis();
    let order = Order {
        id: new_id(&*platform.random)?,
        customer_id,
        user_id: principal.user_id.clone(),
        status: Status::Pending,
        currency: currency.unwrap_or_default(),
        total_minor: total,
        created_at: now,
        updated_at: now,
        version: 1,
        items,
    };
    let response = render(&order)?;

    let mut batch = vec![
        Statement::new(
            "INSERT INTO orders (id, customer_id, user_id, status, currency, total_minor, item_count, created_at, updated_at, version) \
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?7, 1)",
        )
        .bind(order.id.as_str())
        .bind(order.customer_id.as_str())
        .bind(order.user_id.as_str())
        .bind(order.currency.as_str())
        .bind(order.total_minor)
        .bind(i64::try_from(order.items.len()).unwrap_or(0))
        .bind(now),
    ];
    for item in &order.items {
        batch.push(
            Statement::new(
                "INSERT INTO order_items (order_id, line, product_id, sku, name, unit_price_minor, quantity, line_total_minor) \
                 VALUES (?1, ?2, ?3, ?4, ?5, \
                   (SELECT price_minor FROM products WHERE id = ?3 AND active = 1 AND price_minor = ?6 AND currency = ?7), ?8, ?9)",
            )
            .bind(order.id.as_str())
            .bind(item.line)
            .bind(item.product_id.as_str())
            .bind(item.sku.as_str())
            .bind(item.name.as_str())
            .bind(item.unit_price_minor)
            .bind(order.currency.as_str())
            .bind(item.quantity)
            .bind(item.line_total_minor),
        );
        batch.push(
            Statement::new(
                "UPDATE products SET stock = stock - ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            )
            .bind(item.product_id.as_str())
            .bind(item.quantity)
            .bind(now),
        );
    }
    batch.push(outbox::statement(request, &order.event("order.created"), None));
    if let Some(reservation) = reservation {
        batch.push(idempotency::complete(
            reservation,
            &response,
            ("EXISTS (SELECT 1 FROM orders WHERE id = ?)", vec![Value::from(order.id.as_str())]),
        ));
    }
    match platform.sql.batch(&batch).await {
        Ok(_) => {
            rest::catalog_cache::products_changed(platform, &order.product_ids()).await;
            webhook_delivery::after_change(platform);
            Ok(response)
        }
        Err(error) if error.kind == PortErrorKind::Constraint && error.message.contains("stock_not_negative") => {
            Err(insufficient_stock())
        }
        Err(error) if error.kind == PortErrorKind::Constraint && error.message.contains("unit_price_minor") => {
            Err(Problem::new(StatusCode::CONFLICT, "catalog_changed", "Catalogue changed")
                .with_detail("A product's price or availability changed while ordering; review and retry."))
        }
        Err(error) => Err(error.into()),
    }
}

/// The caller's customer profile id from its row: orders are placed by customers for themselves.
fn own_customer(row: Option<&web::ports::sql::Row>) -> Result<String, Problem> {
    row.map(|r| r.get::<String>("id")).transpose()?.ok_or_else(|| {
        unprocessable("customer_profile_required", "Create your customer profile (POST /v1/customers) before ordering.")
    })
}

fn insufficient_stock() -> Problem {
    Problem::new(StatusCode::CONFLICT, "insufficient_stock", "Insufficient stock")
        .with_detail("Not enough units are in stock for this order.")
}
