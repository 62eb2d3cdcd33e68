//! A clock tests move by hand.

use std::cell::Cell;

use ports::Clock;
use ports::clock::UnixMillis;

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct ManualClock {
    now: Cell<UnixMillis>,
}

impl ManualClock {
    /// A clock reading `start` milliseconds since the epoch.
    pub fn at(start: UnixMillis) -> Self {
        Self { now: Cell::new(start) }
    }

    /// Moves the clock forward by `millis`.
    pub fn advance(&self, millis: i64) {
        self.now.set(self.now.get() + millis);
    }

    /// Sets the clock.
    pub fn set(&self, now: UnixMillis) {
        self.now.set(now);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> UnixMillis {
        self.now.get()
    }
}
