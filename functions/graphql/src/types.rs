//! The graph's output types over the domain's orders and products. Money is the v2 decimal
//! string with its currency, times are RFC 3339.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use catalog::Product;
use ordering::{Item, Order, Status};
use profiles::Customer;
use rest::money::{currency, format_decimal};
use rest::versions::rfc3339;
use web::Problem;

use crate::errors::to_graphql;
use crate::scope::Scope;

/// An amount of money.
#[derive(SimpleObject)]
pub struct Money {
    /// The amount as a decimal string in the currency's minor unit (`"19.99"`, JPY `"5"`).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

impl Money {
    /// `minor` units of `code`.
    pub fn new(minor: i64, code: &str) -> Self {
        let exponent = currency(code).map_or(0, |c| c.exponent);
        Self { amount: format_decimal(minor, exponent), currency: code.to_owned() }
    }
}

/// Where an order is in its life.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Placed; stock reserved.
    Pending,
    /// Being prepared.
    Processing,
    /// Handed to the carrier.
    Shipped,
    /// Received (final).
    Delivered,
    /// Called off; stock returned (final).
    Cancelled,
}

impl From<Status> for OrderStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Pending => Self::Pending,
            Status::Processing => Self::Processing,
            Status::Shipped => Self::Shipped,
            Status::Delivered => Self::Delivered,
            Status::Cancelled => Self::Cancelled,
        }
    }
}

impl From<OrderStatus> for Status {
    fn from(status: OrderStatus) -> Self {
        match status {
            OrderStatus::Pending => Self::Pending,
            OrderStatus::Processing => Self::Processing,
            OrderStatus::Shipped => Self::Shipped,
            OrderStatus::Delivered => Self::Delivered,
            OrderStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// A product for sale.
pub struct ProductNode(pub Product);

/// A product for sale.
#[Object(name = "Product")]
impl ProductNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Stock-keeping unit, unique.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Longer text.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Unit price.
    async fn price(&self) -> Money {
        Money::new(self.0.price_minor, &self.0.currency)
    }
    /// Units in stock.
    async fn stock(&self) -> i64 {
        self.0.stock
    }
    /// Whether it is sold.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Optimistic-concurrency version (the REST ETag).
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was created (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
    /// When it last changed (RFC 3339).
    async fn updated_at(&self) -> String {
        rfc3339(self.0.updated_at)
    }
}

/// What the orders of a page refer to, read in one statement each for the whole page when
/// the query asks for it (see `schema::attach_related`).
pub struct Related {
    /// The lines' products the caller may see, by id.
    pub products: HashMap<String, Product>,
    /// The orders' customer profiles the caller may see, by id; the problem instead when the
    /// caller may not read customer profiles at all.
    pub customers: Result<HashMap<String, Customer>, Problem>,
}

/// An order, with what its page read in batches.
pub struct OrderNode {
    /// The order.
    pub order: Order,
    /// Its lines' products and its customer, batch-read for the whole page.
    pub related: Arc<Related>,
}

/// An order.
#[Object(name = "Order")]
impl OrderNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.order.id.clone())
    }
    /// The customer profile that placed it.
    async fn customer_id(&self) -> ID {
        ID(self.order.customer_id.clone())
    }
    /// The customer profile that placed it (read in one batch for the whole page): `null`
    /// with `not_found` unless it is the caller's own or the caller holds `customers:all`.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<CustomerNode>> {
        let scope = Scope::of(ctx);
        let customers = self.related.customers.as_ref().map_err(|problem| to_graphql(scope, problem.clone()))?;
        match customers.get(&self.order.customer_id) {
            Some(customer) => Ok(Some(CustomerNode(customer.clone()))),
            None => Err(to_graphql(scope, Problem::not_found())),
        }
    }
    /// Status.
    async fn status(&self) -> OrderStatus {
        self.order.status.into()
    }
    /// Sum of the line totals.
    async fn total(&self) -> Money {
        Money::new(self.order.total_minor, &self.order.currency)
    }
    /// The lines, in order.
    async fn items(&self) -> Vec<OrderItem<'_>> {
        self.order.items.iter().map(|item| OrderItem { item, order: self }).collect()
    }
    /// Optimistic-concurrency version (the REST ETag).
    async fn version(&self) -> i64 {
        self.order.version
    }
    /// When it was placed (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.order.created_at)
    }
    /// When it last changed (RFC 3339).
    async fn updated_at(&self) -> String {
        rfc3339(self.order.updated_at)
    }
}

/// One line of an order, at the price it was ordered at.
pub struct OrderItem<'a> {
    item: &'a Item,
    order: &'a OrderNode,
}

/// One line of an order, at the price it was ordered at.
#[Object]
impl OrderItem<'_> {
    /// 1-based line number.
    async fn line(&self) -> i64 {
        self.item.line
    }
    /// The product's id.
    async fn product_id(&self) -> ID {
        ID(self.item.product_id.clone())
    }
    /// The product as it is now (read in one batch for the whole page); `null` if it is gone
    /// or no longer visible to the caller.
    async fn product(&self) -> Option<ProductNode> {
        self.order.related.products.get(&self.item.product_id).cloned().map(ProductNode)
    }
    /// SKU when ordered.
    async fn sku(&self) -> &str {
        &self.item.sku
    }
    /// Name when ordered.
    async fn name(&self) -> &str {
        &self.item.name
    }
    /// Units.
    async fn quantity(&self) -> i64 {
        self.item.quantity
    }
    /// Unit price when ordered.
    async fn unit_price(&self) -> Money {
        Money::new(self.item.unit_price_minor, &self.order.order.currency)
    }
    /// unitPrice × quantity.
    async fn line_total(&self) -> Money {
        Money::new(self.item.line_total_minor, &self.order.order.currency)
    }
}

/// The caller.
pub struct Me {
    /// User id.
    pub id: String,
    /// Role names.
    pub roles: Vec<String>,
}

/// The caller.
#[Object(name = "User")]
impl Me {
    /// User id.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// The caller's roles.
    async fn roles(&self) -> &[String] {
        &self.roles
    }
}

/// A customer profile.
pub struct CustomerNode(pub Customer);

/// A customer profile: one per user; the caller's own, or any for staff (`customers:all`).
#[Object(name = "Customer")]
impl CustomerNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The user it belongs to.
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.clone())
    }
    /// Contact email (normalised, unique).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Phone, if given.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Optimistic-concurrency version (the REST ETag).
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was created (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
    /// When it last changed (RFC 3339).
    async fn updated_at(&self) -> String {
        rfc3339(self.0.updated_at)
    }
}
