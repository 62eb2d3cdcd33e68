//! Who may follow which events: the one rule live streams and webhooks share, checked when a
//! subscription starts and again on every read (roles and sessions are re-read each time).

use identity::Permission;

use crate::outbox::{Feed, StoredEvent};

/// Whose view of the outbox: a user and what they may do now.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    /// The user.
    pub user_id: &'a str,
    /// Their current permissions.
    pub permissions: &'a [Permission],
}

impl<'a> Viewer<'a> {
    /// The view of an authenticated caller.
    pub fn of(principal: &'a identity::Principal) -> Self {
        Self { user_id: &principal.user_id, permissions: &principal.permissions }
    }

    fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The feed of everything this viewer may follow: every event for staff
    /// (`orders:read_all`), otherwise the events of their own orders (`orders:read`); `None`
    /// for someone who may read no orders.
    pub fn own_feed(&self) -> Option<Feed> {
        if self.has(Permission::OrdersReadAll) {
            Some(Feed::All)
        } else if self.has(Permission::OrdersRead) {
            Some(Feed::OwnOrders { user_id: self.user_id.to_owned() })
        } else {
            None
        }
    }

    /// Whether this viewer may still follow `feed` at all.
    pub fn may_follow(&self, feed: &Feed) -> bool {
        match feed {
            Feed::All => self.has(Permission::OrdersReadAll),
            Feed::Order { .. } => self.has(Permission::OrdersRead),
            Feed::OwnOrders { user_id } => self.has(Permission::OrdersRead) && user_id == self.user_id,
        }
    }

    /// Whether this viewer may see `event`: an order's events go to its owner and to staff;
    /// other objects' events (products, articles) to staff only.
    pub fn may_see(&self, event: &StoredEvent) -> bool {
        if self.has(Permission::OrdersReadAll) {
            return true;
        }
        event.topic == "order" && self.has(Permission::OrdersRead) && event.owner_id.as_deref() == Some(self.user_id)
    }
}
