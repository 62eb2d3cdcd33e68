//! Sleeping on `wasi:clocks/monotonic-clock`.

use std::time::Duration;

use ports::Timer;
use ports::timer::Sleep;

/// `spin_sdk::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WasiTimer;

impl Timer for WasiTimer {
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(spin_sdk::time::sleep(duration))
    }
}
