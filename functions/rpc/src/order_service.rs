//! `orderflow.v1.OrderService`: the RPC face of [`ordering`], with the same rules as REST.

use std::rc::Rc;

use identity::authenticate;
use ordering::placing::{self, NewItem, NewOrder};
use ordering::reading::{self, DEFAULT_SORT, ListFilter};
use ordering::{Order, Status, lifecycle};
use rest::preconditions::precondition_failed;
use web::http::StatusCode;
use web::{Problem, Request, Response};

use crate::call::Call;
use crate::changes::{self, Read, Timing, Watched};
use crate::convert;
use crate::listing::page;
use crate::pb::orderflow::v1::*;

/// 400 for a request without the order's id.
fn required_id(id: &str) -> Result<&str, Problem> {
    if id.is_empty() { Err(Problem::bad_request("invalid_argument", "`id` is required.")) } else { Ok(id) }
}

/// `GetOrder`: the order and its items are read in the credential check's own round trip.
pub async fn get_order(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: GetOrderRequest = call.input(&request)?;
    let order = call.within(&request, reading::visible_to_caller(&request, required_id(&input.id)?)).await?;
    call.reply(&GetOrderResponse { order: Some(convert::order(&order)) })
}

/// `ListOrders`: the caller's orders (all with `orders:read_all`), newest first.
pub async fn list_orders(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: ListOrdersRequest = call.input(&request)?;
    let page = page(input.page_size, &input.page_token)?;
    let wanted = ListFilter { status: convert::status_from("status", input.status)?, ..ListFilter::default() };
    let (orders, more) = call
        .within(&request, async {
            let principal = authenticate(&request).await?;
            let (orders, more, _) = reading::list(&request, &principal, &wanted, DEFAULT_SORT, &page).await?;
            Ok((orders, more))
        })
        .await?;
    let next_page_token =
        more.then(|| orders.last()).flatten().map(|o| reading::cursor_after(o, DEFAULT_SORT)).unwrap_or_default();
    call.reply(&ListOrdersResponse { orders: orders.iter().map(convert::order).collect(), next_page_token })
}

/// `CreateOrder`: places the order; a repeated `idempotency_key` replays the first answer.
pub async fn create_order(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: CreateOrderRequest = call.input(&request)?;
    let order = NewOrder {
        items: input.items.into_iter().map(|i| NewItem { product_id: i.product_id, quantity: i.quantity }).collect(),
    };
    let key = Some(input.idempotency_key.as_str()).filter(|k| !k.is_empty());
    call.within(&request, async {
        let principal = authenticate(&request).await?;
        placing::place(&request, &principal, order, key, |order| {
            call.reply(&CreateOrderResponse { order: Some(convert::order(order)) })
        })
        .await
    })
    .await
}

/// `UpdateOrderStatus`: a move through the status machine, optionally only from
/// `expected_version`.
pub async fn update_order_status(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: UpdateOrderStatusRequest = call.input(&request)?;
    let to = convert::status_from("status", input.status)?
        .ok_or_else(|| Problem::bad_request("invalid_status", "`status` must name the status to move to."))?;
    let order = call
        .within(&request, async {
            let principal = authenticate(&request).await?;
            lifecycle::change_status(&request, &principal, required_id(&input.id)?, |order| {
                if input.expected_version != 0 && input.expected_version != order.version {
                    return Err(precondition_failed());
                }
                Ok(to)
            })
            .await
        })
        .await?;
    call.reply(&UpdateOrderStatusResponse { order: Some(convert::order(&order)) })
}

/// `CancelOrder`: the owner calls off their order; its stock returns.
pub async fn cancel_order(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: CancelOrderRequest = call.input(&request)?;
    let order = call
        .within(&request, async {
            let principal = authenticate(&request).await?;
            lifecycle::change_status(&request, &principal, required_id(&input.id)?, |_| Ok(Status::Cancelled)).await
        })
        .await?;
    call.reply(&CancelOrderResponse { order: Some(convert::order(&order)) })
}

/// `WatchOrder`: the order now, then each change of its status until it is final or gone.
/// Every read checks the credential again, in the same round trip as the order.
pub async fn watch_order(request: Request) -> Result<Response, Problem> {
    let call = Call::open_stream(&request)?;
    let input: WatchOrderRequest = call.input(&request)?;
    let watched = WatchedOrder { id: required_id(&input.id)?.to_owned() };
    let timing = Timing::load(&request).await?;
    let first = call.within(&request, reading::visible_to_caller(&request, &watched.id)).await?;
    let messages = changes::changes(watched, request, call, timing, first);
    Ok(call.stream(futures_util::StreamExt::map(messages, |order| {
        order.map(|order| WatchOrderResponse { order: Some(convert::order(&order)) })
    })))
}

/// The order a `WatchOrder` stream follows.
struct WatchedOrder {
    id: String,
}

impl Watched for WatchedOrder {
    type Value = Order;
    type Key = Status;

    fn read(&self, request: Rc<Request>) -> impl Future<Output = Read<Order>> + 'static {
        let id = self.id.clone();
        async move {
            match reading::visible_to_caller(&request, &id).await {
                Ok(order) => Read::Now(order),
                Err(problem) if problem.status() == StatusCode::NOT_FOUND => Read::Gone,
                Err(problem) if problem.status() == StatusCode::SERVICE_UNAVAILABLE => Read::Unavailable,
                Err(problem) => Read::Refused(problem),
            }
        }
    }

    fn key(order: &Order) -> Status {
        order.status
    }

    fn is_final(order: &Order) -> bool {
        order.status.next().is_empty()
    }
}
