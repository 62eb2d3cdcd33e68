//! The order status machine.
//!
//! ```text
//! pending ──▶ processing ──▶ shipped ──▶ delivered
//!    │            │
//!    └────────────┴──▶ cancelled   (restocks the items)
//! ```

use std::fmt;
use std::str::FromStr;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
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

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] =
        [Status::Pending, Status::Processing, Status::Shipped, Status::Delivered, Status::Cancelled];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Pending => &[Status::Processing, Status::Cancelled],
            Status::Processing => &[Status::Shipped, Status::Cancelled],
            Status::Shipped => &[Status::Delivered],
            Status::Delivered | Status::Cancelled => &[],
        }
    }

    /// Whether moving to `to` is allowed.
    pub fn can_become(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the order still holds stock (cancelling or deleting it returns the stock).
    pub fn holds_stock(self) -> bool {
        matches!(self, Status::Pending | Status::Processing)
    }
}

impl FromStr for Status {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Status::ALL.into_iter().find(|s| s.as_str() == name).ok_or(())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_machine() {
        let allowed: Vec<(Status, Status)> = Status::ALL
            .iter()
            .flat_map(|from| Status::ALL.iter().filter(|to| from.can_become(**to)).map(|to| (*from, *to)))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Pending, Processing),
                (Pending, Cancelled),
                (Processing, Shipped),
                (Processing, Cancelled),
                (Shipped, Delivered)
            ]
        );
        assert!(!Delivered.can_become(Cancelled) && !Cancelled.can_become(Pending) && !Pending.can_become(Pending));
        assert!(
            Pending.holds_stock() && Processing.holds_stock() && !Shipped.holds_stock() && !Cancelled.holds_stock()
        );
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert!("lost".parse::<Status>().is_err());
    }
}
