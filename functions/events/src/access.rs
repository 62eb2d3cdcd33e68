//! Who may follow which events: the one place the rule lives, checked when a stream opens and
//! again on every read while it is open (roles and sessions are re-read each time).

use identity::{Permission, Principal};
use rest::outbox::{Feed, StoredEvent};
use web::Problem;

/// The feed `GET /v2/events` serves `principal`: every event for staff (`orders:read_all`),
/// otherwise the events of the caller's own orders (`orders:read`).
pub fn own_feed(principal: &Principal) -> Result<Feed, Problem> {
    principal.require(Permission::OrdersRead)?;
    Ok(if principal.has(Permission::OrdersReadAll) {
        Feed::All
    } else {
        Feed::OwnOrders { user_id: principal.user_id.clone() }
    })
}

/// Whether `principal` may still follow `feed` at all.
pub fn may_follow(principal: &Principal, feed: &Feed) -> bool {
    match feed {
        Feed::All => principal.has(Permission::OrdersReadAll),
        Feed::Order { .. } => principal.has(Permission::OrdersRead),
        Feed::OwnOrders { user_id } => principal.has(Permission::OrdersRead) && *user_id == principal.user_id,
    }
}

/// Whether `principal` may see `event`: an order's events go to its owner and to staff; other
/// objects' events (products, articles) to staff only.
pub fn may_see(principal: &Principal, event: &StoredEvent) -> bool {
    if principal.has(Permission::OrdersReadAll) {
        return true;
    }
    event.topic == "order"
        && principal.has(Permission::OrdersRead)
        && event.owner_id.as_deref() == Some(principal.user_id.as_str())
}
