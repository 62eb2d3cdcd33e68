//! Path routing on `matchit`, with per-method handlers.

use http::{HeaderMap, Method};

use crate::handler::{BoxedHandler, boxed};
use crate::{Handler, Problem, Response};

/// Renders a route's errors in its own protocol instead of problem+json (RPC routes answer
/// with Connect or gRPC-Web errors). It sees the problem and the request's headers, which say
/// what the client speaks.
pub type ProblemRenderer = fn(&Problem, &HeaderMap) -> Response;

/// The handlers of one path, by method.
#[derive(Clone, Default)]
pub struct MethodRouter {
    handlers: Vec<(Method, BoxedHandler)>,
    problem_renderer: Option<ProblemRenderer>,
}

macro_rules! method_fns {
    ($($(#[$doc:meta])* $name:ident => $method:ident;)*) => {
        impl MethodRouter {
            $(
                $(#[$doc])*
                pub fn $name(self, handler: impl Handler) -> Self {
                    self.on(Method::$method, handler)
                }
            )*
        }
        $(
            $(#[$doc])*
            pub fn $name(handler: impl Handler) -> MethodRouter {
                MethodRouter::default().on(Method::$method, handler)
            }
        )*
    };
}

method_fns! {
    /// Handles `GET` (and `HEAD`, answered from `GET` without a body).
    get => GET;
    /// Handles `POST`.
    post => POST;
    /// Handles `PUT`.
    put => PUT;
    /// Handles `PATCH`.
    patch => PATCH;
    /// Handles `DELETE`.
    delete => DELETE;
}

impl MethodRouter {
    /// Handles `method` with `handler`.
    ///
    /// # Panics
    /// If `method` already has a handler: routes are static, so this is caught by any test
    /// that builds the router.
    pub fn on(mut self, method: Method, handler: impl Handler) -> Self {
        assert!(self.find(&method).is_none(), "duplicate handler for {method}");
        self.handlers.push((method, boxed(handler)));
        self
    }

    /// Renders every error of this path, the pipeline's own (405, 413, rate limits) included,
    /// with `renderer`. The access log and traces still record the problem's code.
    pub fn render_problems_with(mut self, renderer: ProblemRenderer) -> Self {
        self.problem_renderer = Some(renderer);
        self
    }

    /// The renderer set with [`MethodRouter::render_problems_with`], if any.
    pub(crate) fn problem_renderer(&self) -> Option<ProblemRenderer> {
        self.problem_renderer
    }

    fn find(&self, method: &Method) -> Option<&BoxedHandler> {
        self.handlers.iter().find(|(m, _)| m == method).map(|(_, h)| h)
    }

    /// The `Allow` header value: declared methods, plus HEAD with GET, plus OPTIONS.
    pub(crate) fn allow(&self) -> String {
        let mut methods: Vec<&str> = self.handlers.iter().map(|(m, _)| m.as_str()).collect();
        if self.find(&Method::GET).is_some() {
            methods.push("HEAD");
        }
        methods.push("OPTIONS");
        methods.join(", ")
    }

    /// Whether a request with `method` would reach a handler.
    pub(crate) fn allows(&self, method: &Method) -> bool {
        self.handler_for(method).is_some()
    }

    pub(crate) fn handler_for(&self, method: &Method) -> Option<&BoxedHandler> {
        if *method == Method::HEAD { self.find(&Method::GET) } else { self.find(method) }
    }
}

struct Route {
    template: &'static str,
    methods: MethodRouter,
}

/// Maps path templates (`/v1/orders/{id}`) to [`MethodRouter`]s.
#[derive(Default)]
pub struct Router {
    matcher: matchit::Router<usize>,
    routes: Vec<Route>,
}

/// The outcome of matching a path.
pub(crate) struct Matched<'r> {
    pub(crate) template: &'static str,
    pub(crate) methods: &'r MethodRouter,
    pub(crate) params: Vec<(String, String)>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route.
    ///
    /// # Panics
    /// If `template` is invalid or conflicts with an existing route (a programming error that
    /// any test building the router catches).
    pub fn route(mut self, template: &'static str, methods: MethodRouter) -> Self {
        let index = self.routes.len();
        if let Err(error) = self.matcher.insert(template, index) {
            panic!("route {template}: {error}");
        }
        self.routes.push(Route { template, methods });
        self
    }

    /// Adds every route of `other` (how the Worker mounts all function crates).
    ///
    /// # Panics
    /// On conflicting routes, as [`Router::route`].
    pub fn merge(self, other: Router) -> Self {
        other.routes.into_iter().fold(self, |router, route| router.route(route.template, route.methods))
    }

    /// Every route template, in insertion order.
    pub fn templates(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.routes.iter().map(|r| r.template)
    }

    /// Every route with the methods it declares (without the implied HEAD and OPTIONS), for
    /// checks such as "every route is documented".
    pub fn routes(&self) -> impl Iterator<Item = (&'static str, Vec<&Method>)> + '_ {
        self.routes.iter().map(|r| (r.template, r.methods.handlers.iter().map(|(m, _)| m).collect()))
    }

    pub(crate) fn find(&self, path: &str) -> Option<Matched<'_>> {
        let matched = self.matcher.at(path).ok()?;
        let route = &self.routes[*matched.value];
        let params = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Some(Matched { template: route.template, methods: &route.methods, params })
    }
}

/// Routing failures as problems: unknown path → 404, known path, wrong method → 405 + `Allow`.
pub(crate) fn method_not_allowed(methods: &MethodRouter) -> Problem {
    Problem::method_not_allowed(&methods.allow())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};

    async fn ok(_: Request) -> Response {
        Response::default()
    }

    #[test]
    fn finds_templates_and_params() {
        let router = Router::new().route("/v1/orders/{id}", get(ok).delete(ok)).route("/health", get(ok));
        let matched = router.find("/v1/orders/42").unwrap();
        assert_eq!(matched.template, "/v1/orders/{id}");
        assert_eq!(matched.params, vec![("id".to_owned(), "42".to_owned())]);
        assert!(router.find("/v1/orders").is_none());
        assert!(router.find("/v1/orders/42/x").is_none());
    }

    #[test]
    fn allow_lists_head_with_get_and_options() {
        let methods = get(ok).post(ok);
        assert_eq!(methods.allow(), "GET, POST, HEAD, OPTIONS");
        assert!(methods.allows(&Method::HEAD));
        assert!(!methods.allows(&Method::DELETE));
        assert_eq!(post(ok).allow(), "POST, OPTIONS");
    }

    #[test]
    fn merge_keeps_every_route() {
        let merged = Router::new().route("/a", get(ok)).merge(Router::new().route("/b/{x}", post(ok)));
        assert_eq!(merged.templates().collect::<Vec<_>>(), vec!["/a", "/b/{x}"]);
        assert!(merged.find("/b/1").is_some());
    }

    #[test]
    #[should_panic(expected = "route /a")]
    fn conflicting_routes_fail_at_build_time() {
        let _ = Router::new().route("/a", get(ok)).route("/a", post(ok));
    }

    #[test]
    #[should_panic(expected = "duplicate handler")]
    fn duplicate_methods_fail_at_build_time() {
        let _ = get(ok).get(ok);
    }
}
