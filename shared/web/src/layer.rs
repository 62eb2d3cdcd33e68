//! Layers: code that wraps every routed handler, such as rate limiting.
//!
//! A layer receives the request and a [`Next`] to call the rest of the chain; it may answer
//! itself (a 429), or call `next` and adjust the response (add headers).

use std::rc::Rc;

use async_trait::async_trait;

use crate::handler::BoxedHandler;
use crate::{Problem, Request, Response};

/// Wraps handlers. Layers run in the order they were added to the [`App`](crate::App).
#[async_trait(?Send)]
pub trait Layer {
    /// Handles `request`, usually by calling `next.run(request)` somewhere.
    async fn call(&self, request: Request, next: Next<'_>) -> Result<Response, Problem>;
}

/// The rest of the chain: the remaining layers, then the handler.
pub struct Next<'a> {
    layers: &'a [Rc<dyn Layer>],
    handler: &'a BoxedHandler,
}

impl<'a> Next<'a> {
    pub(crate) fn new(layers: &'a [Rc<dyn Layer>], handler: &'a BoxedHandler) -> Self {
        Self { layers, handler }
    }

    /// Runs the rest of the chain.
    pub async fn run(self, request: Request) -> Result<Response, Problem> {
        match self.layers.split_first() {
            Some((layer, rest)) => layer.call(request, Next { layers: rest, handler: self.handler }).await,
            None => (self.handler)(request).await,
        }
    }
}
