//! The Spin component behind the catch-all route `/...`.
//!
//! Spin answers a path no trigger matches by itself (an empty `404`, without problem+json,
//! request id or security headers). This component takes those paths and serves them through
//! the same pipeline as every other function, whose router, having no routes, answers the
//! API's `404 not_found` problem. The Worker needs no such component: its one router already
//! answers unknown paths.

use web::Router;

/// No routes: everything that reaches this component is a 404 problem.
pub fn router() -> Router {
    Router::new()
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http);

#[cfg(test)]
mod tests {
    use adapter_native::TestPlatform;
    use web::App;

    #[tokio::test]
    async fn every_path_is_the_api_404_problem() {
        let platform = TestPlatform::new().await;
        let app = App::new(super::router());
        for path in ["/", "/nope", "/v3/orders", "/v1"] {
            let response = platform.send(&app, "GET", path).await;
            assert_eq!(response.status(), 404, "{path}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
            assert!(response.headers().contains_key("x-request-id"));
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        }
    }
}
