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

    /// Whether this viewer may see `event`: an order's events go to its owner and to staff
    /// (`orders:read_all`); product events to staff; article events (drafts among them) to
    /// staff who may edit any article (`articles:edit_any`) and to the article's author on a
    /// staff feed, never to other staff.
    pub fn may_see(&self, event: &StoredEvent) -> bool {
        let own = event.owner_id.as_deref() == Some(self.user_id);
        match event.topic.as_str() {
            "order" => self.has(Permission::OrdersReadAll) || (own && self.has(Permission::OrdersRead)),
            "product" => self.has(Permission::OrdersReadAll),
            "article" => self.has(Permission::OrdersReadAll) && (own || self.has(Permission::ArticlesEditAny)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use identity::Role;
    use identity::permissions::permissions_of;

    use super::*;

    fn event(topic: &str, owner: Option<&str>) -> StoredEvent {
        StoredEvent {
            id: 1,
            kind: format!("{topic}.updated"),
            topic: topic.into(),
            subject: "s".into(),
            owner_id: owner.map(str::to_owned),
            payload: "{}".into(),
            created_at: 0,
        }
    }

    #[test]
    fn orders_go_to_their_owner_and_staff_articles_only_to_who_may_see_drafts() {
        let customer = permissions_of(&[Role::Customer]);
        let staff = permissions_of(&[Role::Customer, Role::Staff]);
        let admin = permissions_of(&[Role::Customer, Role::Staff, Role::Admin]);
        let viewer = |user_id, permissions| Viewer { user_id, permissions };
        assert!(viewer("alice", &customer).may_see(&event("order", Some("alice"))));
        assert!(!viewer("bob", &customer).may_see(&event("order", Some("alice"))));
        assert!(!viewer("alice", &customer).may_see(&event("product", None)));
        assert!(viewer("sam", &staff).may_see(&event("order", Some("alice"))));
        assert!(viewer("sam", &staff).may_see(&event("product", None)));
        assert!(!viewer("sam", &staff).may_see(&event("article", Some("ed"))), "another author's draft");
        assert!(viewer("sam", &staff).may_see(&event("article", Some("sam"))), "their own article");
        assert!(viewer("root", &admin).may_see(&event("article", Some("ed"))));
        assert_eq!(viewer("alice", &customer).own_feed(), Some(Feed::OwnOrders { user_id: "alice".into() }));
        assert_eq!(viewer("sam", &staff).own_feed(), Some(Feed::All));
        assert_eq!(viewer("nobody", &[]).own_feed(), None);
    }
}
