//! What every resolver reads: the HTTP request (its ports) and the caller, kept on the
//! instance's one thread.
//!
//! async-graphql wants `Send` resolver futures and `Send + Sync` context data; the ports are
//! `Rc`s because a wasm instance has one thread. [`SendWrapper`] bridges the two: it panics if
//! touched from another thread, which a wasm instance (and the single-threaded native test
//! runtime) never does.

use std::pin::Pin;
use std::rc::Rc;

use async_graphql::Context;
use identity::Principal;
use send_wrapper::SendWrapper;
use web::{Problem, Request};

/// The request and caller of one GraphQL execution.
pub struct Scope {
    request: Rc<Request>,
    principal: Option<Principal>,
}

/// [`Scope`] as context data.
pub struct ScopeData(SendWrapper<Scope>);

impl ScopeData {
    /// The scope of `request`, called by `principal` (`None`: anonymous).
    pub fn new(request: Rc<Request>, principal: Option<Principal>) -> Self {
        Self(SendWrapper::new(Scope { request, principal }))
    }
}

impl Scope {
    /// The scope of the execution `ctx` belongs to.
    pub fn of<'a>(ctx: &'a Context<'_>) -> &'a Scope {
        &ctx.data_unchecked::<ScopeData>().0
    }

    /// The HTTP request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The caller, if a credential was sent.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The caller; 401 `unauthenticated` for anonymous requests.
    pub fn caller(&self) -> Result<&Principal, Problem> {
        self.principal.as_ref().ok_or_else(identity::unauthenticated)
    }
}

/// Resolves a field: runs `work` with the execution's scope, as a `Send` future (see the
/// module docs), its problem turned into a GraphQL error with the machine code.
pub fn resolve<'c, T: 'c, Work>(
    ctx: &'c Context<'_>,
    work: impl FnOnce(&'c Scope) -> Work,
) -> SendWrapper<Resolving<'c, T>>
where
    Work: Future<Output = Result<T, Problem>> + 'c,
{
    let scope = Scope::of(ctx);
    let work = work(scope);
    SendWrapper::new(Box::pin(async move { crate::errors::OrGraphqlError::or_graphql(work.await, scope) }))
}

/// A field being resolved, boxed so that the thread check around it is one small function
/// per output type rather than a copy of every resolver's body.
pub type Resolving<'c, T> = Pin<Box<dyn Future<Output = async_graphql::Result<T>> + 'c>>;
