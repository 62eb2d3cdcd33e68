//! API documentation: `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`.
//!
//! The files are static (built by `scripts/build-site.sh` from `docs/` and the pinned npm
//! packages) and come through the assets port, so the pages work without any CDN. The
//! document itself is generated from the code (`shared/openapi`) and checked for drift.

use web::static_files::serve;
use web::{Problem, Request, Response, Router, get};

/// The routes of this function.
pub fn router() -> Router {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/docs", get(swagger_ui))
        .route("/docs/{file}", get(file))
        .route("/redoc", get(redoc))
        .route("/redoc/{file}", get(file))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http);

async fn openapi(request: Request) -> Result<Response, Problem> {
    serve(&request, "/openapi.json").await
}

async fn swagger_ui(request: Request) -> Result<Response, Problem> {
    serve(&request, "/docs/index.html").await
}

async fn redoc(request: Request) -> Result<Response, Problem> {
    serve(&request, "/redoc/index.html").await
}

async fn file(request: Request) -> Result<Response, Problem> {
    let section = if request.route().starts_with("/docs") { "docs" } else { "redoc" };
    let path = format!("/{section}/{}", request.param("file")?);
    serve(&request, &path).await
}
