//! A timer for tests: sleeping yields to the executor once instead of waiting.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ports::Timer;
use ports::timer::Sleep;

/// Lets every other ready task run, then completes; tests move time with
/// [`ManualClock`](crate::ManualClock) instead.
#[derive(Debug, Default, Clone, Copy)]
pub struct YieldingTimer;

impl Timer for YieldingTimer {
    fn sleep(&self, _duration: Duration) -> Sleep {
        Box::pin(YieldOnce { yielded: false })
    }
}

struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
