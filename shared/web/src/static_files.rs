//! Static files through the assets port (documentation pages, GraphiQL): each with its media
//! type, revalidated HTML, briefly cached assets, and a content security policy that admits
//! scripts and styles from this origin only.

use http::{HeaderValue, StatusCode, header};

use crate::{Problem, Request, Response};

/// The policy for the bundled UIs: scripts from this origin only; they need inline styles,
/// data: images and fonts, and (ReDoc) a blob worker.
pub const UI_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The file at `path` in the assets (404 when there is none).
pub async fn serve(request: &Request, path: &str) -> Result<Response, Problem> {
    let bytes = request.platform().assets.get(path).await?.ok_or_else(Problem::not_found)?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    let cache = if path.ends_with(".html") { "no-cache" } else { "public, max-age=300" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UI_CSP));
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
