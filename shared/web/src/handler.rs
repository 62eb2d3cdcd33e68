//! Async handler functions, stored type-erased in the router.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::{IntoResponse, Problem, Request, Response};

/// A boxed, non-`Send` future (both edge runtimes are single-threaded).
pub(crate) type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// What the router stores for each method of a route.
pub(crate) type BoxedHandler = Rc<dyn Fn(Request) -> LocalBoxFuture<Result<Response, Problem>>>;

/// An async function from [`Request`] to something that [`IntoResponse`].
///
/// Implemented for every `async fn(Request) -> R` (and closures returning futures).
pub trait Handler: 'static {
    /// Runs the handler.
    fn call(&self, request: Request) -> LocalBoxFuture<Result<Response, Problem>>;
}

impl<F, Fut, R> Handler for F
where
    F: Fn(Request) -> Fut + 'static,
    Fut: Future<Output = R> + 'static,
    R: IntoResponse,
{
    fn call(&self, request: Request) -> LocalBoxFuture<Result<Response, Problem>> {
        let future = self(request);
        Box::pin(async move { future.await.into_response() })
    }
}

/// Erases a handler's type.
pub(crate) fn boxed(handler: impl Handler) -> BoxedHandler {
    Rc::new(move |request| handler.call(request))
}
