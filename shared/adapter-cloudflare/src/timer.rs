//! Sleeping on a JavaScript timer (`setTimeout`), owned by the request that sleeps.

use std::time::Duration;

use ports::Timer;
use ports::timer::Sleep;

/// `worker::Delay`: a `setTimeout` registered in the calling request's context.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsTimer;

impl Timer for JsTimer {
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(worker::Delay::from(duration))
    }
}
