//! The commerce half of the graph: the caller, products, customers and orders. Every field
//! calls the same domain functions as REST (`ordering`, `catalog`, `profiles`) with the
//! caller's principal, so rules, permissions, idempotency and audit are the REST ones.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, Result};
use catalog::reading as products;
use ordering::placing::{self, NewItem, NewOrder};
use ordering::reading::{self as orders, DEFAULT_SORT, ListFilter};
use ordering::{Order, Status, lifecycle};
use web::{Problem, http::StatusCode};

use crate::errors::OrGraphqlError;
use crate::schema::{list_complexity, page};
use crate::scope::{Scope, resolve};
use crate::types::{CustomerNode, Me, OrderNode, OrderStatus, ProductNode, Related};

/// Read fields over the shop.
#[derive(Default)]
pub struct CommerceQuery;

/// Write fields over orders.
#[derive(Default)]
pub struct CommerceMutation;

/// What a query reads under the orders of this field, so a page loads it in one batch.
#[derive(Clone, Copy)]
struct Wanted {
    /// The lines' products.
    products: bool,
    /// The orders' customers.
    customers: bool,
}

/// What the query reads under the orders at `node_path` below this field.
fn wanted(ctx: &Context<'_>, node_path: &[&str]) -> Wanted {
    let mut field = ctx.look_ahead();
    for name in node_path {
        field = field.field(name);
    }
    Wanted { products: field.field("items").field("product").exists(), customers: field.field("customer").exists() }
}

/// Sorted, without repeats.
fn distinct<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What `orders` refer to, one statement for each kind the query wants whatever the page
/// size: the lines' products as the caller may see them (inactive ones only for staff) and
/// the orders' customer profiles the caller may see.
async fn attach_related(scope: &Scope, orders: Vec<Order>, wanted: Wanted) -> Result<Vec<OrderNode>, Problem> {
    let platform = scope.request().platform();
    let mut related = Related { products: HashMap::new(), customers: Ok(HashMap::new()) };
    if wanted.products {
        let staff = products::can_write(scope.principal());
        let ids = distinct(orders.iter().flat_map(Order::product_ids));
        for product in products::load_many(platform, &ids).await? {
            if product.active || staff {
                related.products.insert(product.id.clone(), product);
            }
        }
    }
    if wanted.customers {
        let principal = scope.caller()?;
        related.customers = match profiles::reading::require_any(principal) {
            Ok(()) => {
                let ids = distinct(orders.iter().map(|order| order.customer_id.as_str()));
                let found = profiles::reading::visible_many(platform, principal, &ids).await?;
                Ok(found.into_iter().map(|customer| (customer.id.clone(), customer)).collect())
            }
            Err(refused) => Err(refused),
        };
    }
    let related = Arc::new(related);
    Ok(orders.into_iter().map(|order| OrderNode { order, related: Arc::clone(&related) }).collect())
}

fn me(principal: &identity::Principal) -> Me {
    Me { id: principal.user_id.clone(), roles: principal.roles.iter().map(|r| r.as_str().to_owned()).collect() }
}

#[Object]
impl CommerceQuery {
    /// The caller (needs a credential).
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let scope = Scope::of(ctx);
        let principal = scope.caller().or_graphql(scope)?;
        Ok(me(principal))
    }

    /// One product: active ones for everyone, inactive ones for staff; `null` (with a
    /// `not_found` error) otherwise.
    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ProductNode>> {
        resolve(ctx, move |scope| async move {
            let (product, _) = products::visible(scope.request().platform(), scope.principal(), &id).await?;
            Ok(Some(ProductNode(product)))
        })
        .await
    }

    /// Active products, newest first, as a Relay connection.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only prices in this ISO 4217 currency.")] currency: Option<String>,
    ) -> Result<Connection<String, ProductNode>> {
        resolve(ctx, move |scope| async move {
            let page = page(first, after.as_deref())?;
            let filter = products::ListFilter { currency, ..products::ListFilter::default() };
            let sql = filter.to_sql(scope.principal())?;
            let (found, next) = products::page(scope.request().platform(), &sql, products::DEFAULT_SORT, &page).await?;
            let mut connection = Connection::new(after.is_some(), next.is_some());
            connection.edges.extend(found.into_iter().map(|product| {
                Edge::new(products::cursor_after(&product, products::DEFAULT_SORT), ProductNode(product))
            }));
            Ok(connection)
        })
        .await
    }

    /// A customer profile: `id`'s (the caller's own, or any with `customers:all`; otherwise
    /// `null` with `not_found`), or without `id` the caller's own (`null` before they made one).
    async fn customer(&self, ctx: &Context<'_>, id: Option<ID>) -> Result<Option<CustomerNode>> {
        resolve(ctx, move |scope| async move {
            let principal = scope.caller()?;
            let platform = scope.request().platform();
            let customer = match id {
                Some(id) => Some(profiles::reading::visible(platform, principal, &id).await?),
                None => profiles::reading::own(platform, principal).await?,
            };
            Ok(customer.map(CustomerNode))
        })
        .await
    }

    /// One order: the caller's own, or any with `orders:read_all`; another user's order is
    /// `null` with a `not_found` error, exactly like a missing one.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<OrderNode>> {
        let wanted = wanted(ctx, &[]);
        resolve(ctx, move |scope| async move {
            let order = orders::visible_to_caller(scope.request(), &id).await?;
            Ok(attach_related(scope, vec![order], wanted).await?.pop())
        })
        .await
    }

    /// Federation: a product by its key, with `product`'s visibility.
    #[graphql(entity)]
    async fn find_product_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<ProductNode> {
        resolve(ctx, move |scope| async move {
            let (product, _) = products::visible(scope.request().platform(), scope.principal(), &id).await?;
            Ok(ProductNode(product))
        })
        .await
    }

    /// Federation: an order by its key, with `order`'s visibility.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<OrderNode> {
        let wanted = wanted(ctx, &[]);
        resolve(ctx, move |scope| async move {
            let order = orders::visible_to_caller(scope.request(), &id).await?;
            Ok(attach_related(scope, vec![order], wanted).await?.remove(0))
        })
        .await
    }

    /// Federation: a user by its key; only the caller's own user resolves (others are
    /// `not_found`, so user ids cannot be probed).
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Me> {
        let scope = Scope::of(ctx);
        let principal = scope.caller().or_graphql(scope)?;
        if principal.user_id != id.as_str() {
            return Err(crate::errors::to_graphql(scope, Problem::not_found()));
        }
        Ok(me(principal))
    }

    /// The caller's orders (all with `orders:read_all`), newest first, as a Relay
    /// connection. Lines and their products are read in one batch per page.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only orders in this status.")] status: Option<OrderStatus>,
    ) -> Result<Connection<String, OrderNode>> {
        let wanted = wanted(ctx, &["edges", "node"]);
        resolve(ctx, move |scope| async move {
            let page = page(first, after.as_deref())?;
            let principal = scope.caller()?;
            let filter = ListFilter { status: status.map(Status::from), ..ListFilter::default() };
            let (found, more, _) = orders::list(scope.request(), principal, &filter, DEFAULT_SORT, &page).await?;
            let mut connection = Connection::new(after.is_some(), more);
            for node in attach_related(scope, found, wanted).await? {
                connection.edges.push(Edge::new(orders::cursor_after(&node.order, DEFAULT_SORT), node));
            }
            Ok(connection)
        })
        .await
    }
}

/// One line of a new order.
#[derive(InputObject)]
pub struct NewOrderItemInput {
    /// An active product's id.
    pub product_id: ID,
    /// Units: 1 to the `max_item_quantity` setting (default 100), no more than in stock.
    pub quantity: i64,
}

/// A new order.
#[derive(InputObject)]
pub struct NewOrderInput {
    /// 1 to the `max_order_items` setting (default 50) lines, each product once, one currency.
    pub items: Vec<NewOrderItemInput>,
}

#[Object]
impl CommerceMutation {
    /// Places an order for the caller's customer profile, reserving stock atomically. A
    /// repeated `idempotencyKey` with the same input returns the first order.
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        input: NewOrderInput,
        #[graphql(desc = "1-255 visible ASCII characters; repeats answer with the first order (24 h).")]
        idempotency_key: Option<String>,
    ) -> Result<OrderNode> {
        let wanted = wanted(ctx, &[]);
        resolve(ctx, move |scope| async move {
            let principal = scope.caller()?;
            let order = NewOrder {
                items: input
                    .items
                    .into_iter()
                    .map(|i| NewItem { product_id: i.product_id.0, quantity: i.quantity })
                    .collect(),
            };
            // The stored answer (replayed for a repeated key) names the order; it is read back
            // so that a replay shows the order as it is now.
            let placed = placing::place(scope.request(), principal, order, idempotency_key.as_deref(), |order| {
                web::json_response(StatusCode::CREATED, &serde_json::json!({ "id": order.id }))
            })
            .await?;
            let id = placed
                .body()
                .full()
                .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
                .and_then(|body| body["id"].as_str().map(str::to_owned))
                .ok_or_else(|| Problem::internal("placing answered without an order id"))?;
            let order = orders::visible_to_caller(scope.request(), &id).await?;
            Ok(attach_related(scope, vec![order], wanted).await?.remove(0))
        })
        .await
    }

    /// Cancels one of the caller's own orders (returns the stock).
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<OrderNode> {
        self.change(ctx, id, OrderStatus::Cancelled).await
    }

    /// Moves an order through its status machine (staff: `orders:update_status`; owners may
    /// only cancel), audited like REST.
    async fn set_order_status(&self, ctx: &Context<'_>, id: ID, status: OrderStatus) -> Result<OrderNode> {
        self.change(ctx, id, status).await
    }
}

impl CommerceMutation {
    async fn change(&self, ctx: &Context<'_>, id: ID, status: OrderStatus) -> Result<OrderNode> {
        let wanted = wanted(ctx, &[]);
        resolve(ctx, move |scope| async move {
            let principal = scope.caller()?;
            let order = lifecycle::change_status(scope.request(), principal, &id, |_| Ok(status.into())).await?;
            Ok(attach_related(scope, vec![order], wanted).await?.remove(0))
        })
        .await
    }
}
