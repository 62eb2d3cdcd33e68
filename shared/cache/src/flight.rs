//! Single-flight: concurrent loads of one key in one instance share a single load.
//!
//! Waiters poll the leader's outcome on their own timer rather than being woken by the leader:
//! on Workers a future woken from the leader's callback would continue in the leader's I/O
//! context, and workerd rejects I/O made on behalf of another request.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use ports::Timer;
use web::Problem;

type Outcome = Result<Option<Vec<u8>>, Problem>;

/// How often a waiter looks for the leader's outcome.
const POLL_INTERVAL: Duration = Duration::from_millis(2);
/// How many looks before a waiter gives up on the leader and loads by itself.
const MAX_POLLS: u32 = 1_000;

/// Where a shared load stands.
enum Flight {
    Running,
    Finished(Outcome),
    /// The leader was dropped before finishing (its request was cancelled).
    Abandoned,
}

thread_local! {
    static FLIGHTS: RefCell<HashMap<String, Rc<RefCell<Flight>>>> = RefCell::new(HashMap::new());
    static REFRESHING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Whether a call of [`single`] ran the load or took another call's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// This call ran the load.
    Loaded,
    /// This call waited for a load another call was running, and took its outcome.
    Joined,
}

/// Runs `load` for `key` unless a load of `key` is already running, in which case it waits
/// (on `timer`) for that one's outcome instead. A waiter whose leader is cancelled, or takes
/// longer than about two seconds, runs `load` itself.
///
/// Nothing before the flight is registered awaits, so a caller that has just checked a cache
/// and found nothing can rely on: either a load is registered here, or its result is cached.
pub async fn single(timer: &dyn Timer, key: &str, load: impl Future<Output = Outcome>) -> (Outcome, Role) {
    if let Some(flight) = FLIGHTS.with_borrow(|flights| flights.get(key).cloned()) {
        for _ in 0..MAX_POLLS {
            match &*flight.borrow() {
                Flight::Running => {}
                Flight::Finished(outcome) => return (outcome.clone(), Role::Joined),
                Flight::Abandoned => break,
            }
            timer.sleep(POLL_INTERVAL).await;
        }
        return (load.await, Role::Loaded);
    }
    let flight = Rc::new(RefCell::new(Flight::Running));
    FLIGHTS.with_borrow_mut(|flights| flights.insert(key.to_owned(), Rc::clone(&flight)));
    let mut leader = Leader { key, flight, finished: false };
    let outcome = load.await;
    leader.finish(outcome.clone());
    (outcome, Role::Loaded)
}

/// The loading request's end of a flight. If it is dropped before finishing (the request was
/// cancelled), the flight is marked abandoned so waiters load by themselves at once.
struct Leader<'a> {
    key: &'a str,
    flight: Rc<RefCell<Flight>>,
    finished: bool,
}

impl Leader<'_> {
    fn finish(&mut self, outcome: Outcome) {
        self.end(Flight::Finished(outcome));
    }

    fn end(&mut self, state: Flight) {
        self.finished = true;
        FLIGHTS.with_borrow_mut(|flights| {
            // Only this flight's entry: after `forget`, the key may belong to a newer flight.
            if flights.get(self.key).is_some_and(|current| Rc::ptr_eq(current, &self.flight)) {
                flights.remove(self.key);
            }
        });
        *self.flight.borrow_mut() = state;
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.end(Flight::Abandoned);
        }
    }
}

/// Lets later calls for `key` start a new load instead of joining the running one (whose
/// leader and current waiters still finish with it).
pub fn forget(key: &str) {
    FLIGHTS.with_borrow_mut(|flights| flights.remove(key));
}

/// Marks `key` as being refreshed in the background; `false` if it already is.
pub fn try_mark_refreshing(key: &str) -> bool {
    REFRESHING.with_borrow_mut(|set| set.insert(key.to_owned()))
}

/// Clears the mark set by [`try_mark_refreshing`].
pub fn done_refreshing(key: &str) {
    REFRESHING.with_borrow_mut(|set| set.remove(key));
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::future::{self, Future};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use ports::timer::Sleep;

    use super::*;

    /// Counts sleeps; each one is pending for a single poll.
    #[derive(Default)]
    struct CountingTimer {
        sleeps: Cell<u32>,
    }

    impl Timer for CountingTimer {
        fn sleep(&self, _duration: Duration) -> Sleep {
            self.sleeps.set(self.sleeps.get() + 1);
            let mut slept = false;
            Box::pin(future::poll_fn(
                move |_| if std::mem::replace(&mut slept, true) { Poll::Ready(()) } else { Poll::Pending },
            ))
        }
    }

    /// Polls once; the loaded text and the role if the outcome is ready.
    fn poll_once<F: Future<Output = (Outcome, Role)>>(future: std::pin::Pin<&mut F>) -> Poll<(String, Role)> {
        future.poll(&mut Context::from_waker(Waker::noop())).map(|(outcome, role)| match outcome {
            Ok(Some(bytes)) => (String::from_utf8(bytes).expect("test values are text"), role),
            other => panic!("unexpected outcome {other:?}"),
        })
    }

    fn value(text: &str) -> Outcome {
        Ok(Some(text.as_bytes().to_vec()))
    }

    #[test]
    fn waiters_take_the_leaders_outcome_without_loading() {
        let timer = CountingTimer::default();
        let released = Rc::new(Cell::new(false));
        let gate = Rc::clone(&released);
        let mut leader = pin!(single(&timer, "shared", async move {
            future::poll_fn(|_| if gate.get() { Poll::Ready(()) } else { Poll::Pending }).await;
            value("leader")
        }));
        assert!(poll_once(leader.as_mut()).is_pending());
        let mut waiter = pin!(single(&timer, "shared", async { value("waiter loaded") }));
        assert!(poll_once(waiter.as_mut()).is_pending(), "the waiter sleeps while the leader loads");
        released.set(true);
        assert_eq!(poll_once(leader.as_mut()), Poll::Ready(("leader".to_owned(), Role::Loaded)));
        assert_eq!(poll_once(waiter.as_mut()), Poll::Ready(("leader".to_owned(), Role::Joined)));
    }

    #[test]
    fn a_cancelled_leader_lets_waiters_load_at_once() {
        let timer = CountingTimer::default();
        let mut leader = Box::pin(single(&timer, "cancelled", future::pending()));
        assert!(poll_once(leader.as_mut()).is_pending());
        let mut waiter = pin!(single(&timer, "cancelled", async { value("own load") }));
        assert!(poll_once(waiter.as_mut()).is_pending());
        drop(leader);
        assert_eq!(poll_once(waiter.as_mut()), Poll::Ready(("own load".to_owned(), Role::Loaded)));
        assert!(timer.sleeps.get() <= 2);
    }

    #[test]
    fn a_stuck_leader_is_given_up_after_the_budget() {
        let timer = CountingTimer::default();
        let mut leader = pin!(single(&timer, "stuck", future::pending()));
        assert!(poll_once(leader.as_mut()).is_pending());
        let mut waiter = pin!(single(&timer, "stuck", async { value("own load") }));
        for _ in 0..MAX_POLLS {
            assert!(poll_once(waiter.as_mut()).is_pending());
        }
        assert_eq!(poll_once(waiter.as_mut()), Poll::Ready(("own load".to_owned(), Role::Loaded)));
        assert_eq!(timer.sleeps.get(), MAX_POLLS);
    }
}
