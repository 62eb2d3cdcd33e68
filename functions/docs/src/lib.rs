//! API documentation: `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`.
//!
//! The files are static (built by `scripts/build-site.sh` from `docs/` and the pinned npm
//! packages) and come through the assets port, so the pages work without any CDN. The
//! document itself is generated from the code (`shared/openapi`) and checked for drift.

use http::{HeaderValue, StatusCode, header};
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

/// Scripts and styles from this origin only; the UIs need inline styles, ReDoc a blob worker.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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

async fn serve(request: &Request, path: &str) -> Result<Response, Problem> {
    let bytes = request.platform().assets.get(path).await?.ok_or_else(Problem::not_found)?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    let cache = if path.ends_with(".html") { "no-cache" } else { "public, max-age=300" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
