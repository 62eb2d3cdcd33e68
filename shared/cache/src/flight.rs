//! Single-flight: concurrent loads of one key in one instance share a single load.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use web::Problem;

type Outcome = Result<Option<Vec<u8>>, Problem>;

#[derive(Default)]
struct Flight {
    outcome: RefCell<Option<Outcome>>,
    waiters: RefCell<Vec<Waker>>,
}

thread_local! {
    static FLIGHTS: RefCell<HashMap<String, Rc<Flight>>> = RefCell::new(HashMap::new());
    static REFRESHING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Runs `load` for `key` unless a load of `key` is already running, in which case it waits
/// for that one's outcome instead.
pub async fn single(key: &str, load: impl Future<Output = Outcome>) -> Outcome {
    if let Some(flight) = FLIGHTS.with_borrow(|flights| flights.get(key).cloned()) {
        return Wait { flight }.await;
    }
    let flight = Rc::new(Flight::default());
    FLIGHTS.with_borrow_mut(|flights| flights.insert(key.to_owned(), Rc::clone(&flight)));
    let mut leader = Leader { key, flight, finished: false };
    let outcome = load.await;
    leader.finish(outcome.clone());
    outcome
}

/// The loading request's end of a flight. If it is dropped before finishing (the request was
/// cancelled), waiters are released with a retryable error instead of waiting forever.
struct Leader<'a> {
    key: &'a str,
    flight: Rc<Flight>,
    finished: bool,
}

impl Leader<'_> {
    fn finish(&mut self, outcome: Outcome) {
        self.finished = true;
        FLIGHTS.with_borrow_mut(|flights| flights.remove(self.key));
        *self.flight.outcome.borrow_mut() = Some(outcome);
        for waker in self.flight.waiters.borrow_mut().drain(..) {
            waker.wake();
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(Err(Problem::service_unavailable("the shared cache load was cancelled")));
        }
    }
}

struct Wait {
    flight: Rc<Flight>,
}

impl Future for Wait {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Some(outcome) = self.flight.outcome.borrow().as_ref() {
            return Poll::Ready(outcome.clone());
        }
        self.flight.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Marks `key` as being refreshed in the background; `false` if it already is.
pub fn try_mark_refreshing(key: &str) -> bool {
    REFRESHING.with_borrow_mut(|set| set.insert(key.to_owned()))
}

/// Clears the mark set by [`try_mark_refreshing`].
pub fn done_refreshing(key: &str) {
    REFRESHING.with_borrow_mut(|set| set.remove(key));
}
