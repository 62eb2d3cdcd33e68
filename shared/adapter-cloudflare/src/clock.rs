//! Time from JavaScript's `Date.now()` (`SystemTime` traps on this target).

use ports::Clock;
use ports::clock::UnixMillis;

/// `Date.now()`. Workers advance it only across I/O, so latencies of pure computation read 0.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsClock;

impl Clock for JsClock {
    fn now_millis(&self) -> UnixMillis {
        js_sys::Date::now() as UnixMillis
    }
}
