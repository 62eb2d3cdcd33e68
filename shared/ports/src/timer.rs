//! Waiting for time to pass.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use crate::PortError;

/// A future that completes after a delay.
pub type Sleep = Pin<Box<dyn Future<Output = ()>>>;

/// Sleeps without blocking the instance: a JavaScript timer on Workers, `wasi:clocks` on Spin.
///
/// A wait must be driven by the request that waits. On Workers a future woken from another
/// request's callback runs in that request's I/O context, and workerd refuses its I/O; polling
/// with one's own timer keeps each request in its own context.
pub trait Timer {
    /// Completes after roughly `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// `work`'s answer, or an [`Unavailable`](crate::PortErrorKind::Unavailable) error once `limit`
/// has passed without one (the work is dropped, so it stops).
pub async fn within<T>(
    timer: &dyn Timer,
    limit: Duration,
    what: &str,
    work: impl Future<Output = Result<T, PortError>>,
) -> Result<T, PortError> {
    let mut work = pin!(work);
    let mut deadline: Option<Sleep> = None;
    poll_fn(|cx| {
        if let Poll::Ready(answer) = work.as_mut().poll(cx) {
            return Poll::Ready(answer);
        }
        // The timer starts only when the work has to wait: answers that are ready at once cost
        // no timer at all.
        let deadline = deadline.get_or_insert_with(|| timer.sleep(limit));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(Err(PortError::unavailable(format!("{what} timed out after {} ms", limit.as_millis()))))
            }
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
