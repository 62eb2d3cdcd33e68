//! Problems as GraphQL errors: the message is the problem's public text and
//! `extensions.code` its machine code, the same codes as problem+json. Internals never leave:
//! a server-side failure is logged with its cause and reported by code only.

use async_graphql::ErrorExtensions;
use web::Problem;
use web::ports::log::Level;

use crate::scope::Scope;

/// `problem` as a GraphQL error (logging the cause of server-side failures).
pub fn to_graphql(scope: &Scope, problem: Problem) -> async_graphql::Error {
    if problem.status().is_server_error() {
        let request = scope.request();
        let line = serde_json::json!({
            "level": "error",
            "msg": "graphql field failed",
            "request_id": request.request_id(),
            "error_code": problem.code(),
            "cause": problem.cause(),
        });
        request.platform().log.emit(Level::Error, &line.to_string());
    }
    let message = problem.detail().unwrap_or(problem.title()).to_owned();
    let code = problem.code().to_owned();
    async_graphql::Error::new(message).extend_with(move |_, extensions| extensions.set("code", code.as_str()))
}

/// A resolver's result with its problem turned into a GraphQL error.
pub trait OrGraphqlError<T> {
    /// See [`to_graphql`].
    fn or_graphql(self, scope: &Scope) -> async_graphql::Result<T>;
}

impl<T> OrGraphqlError<T> for Result<T, Problem> {
    fn or_graphql(self, scope: &Scope) -> async_graphql::Result<T> {
        self.map_err(|problem| to_graphql(scope, problem))
    }
}
