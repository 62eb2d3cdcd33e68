//! Wall-clock time.
//!
//! `SystemTime::now` traps on `wasm32-unknown-unknown`, so time always comes through this port.

/// Milliseconds since the Unix epoch, UTC.
pub type UnixMillis = i64;

/// A source of the current time.
pub trait Clock {
    /// The current time in milliseconds since the Unix epoch.
    fn now_millis(&self) -> UnixMillis;

    /// The current time in whole seconds since the Unix epoch.
    fn now_seconds(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// The host's wall clock through `std` (native and `wasm32-wasip2`, where `wasi:clocks` backs it).
/// Not available on `wasm32-unknown-unknown`, where `SystemTime::now` traps.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl Clock for SystemClock {
    fn now_millis(&self) -> UnixMillis {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}
