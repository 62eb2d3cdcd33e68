//! `GET /.well-known/jwks.json`: the public keys that verify access tokens.

use http::{HeaderValue, StatusCode, header};
use identity::TokenSettings;
use web::{Problem, Request, Response, json_response};

/// The JWK Set, cacheable for five minutes (rotation adds a key well before it signs).
pub async fn jwks(request: Request) -> Result<Response, Problem> {
    let settings = TokenSettings::load(&*request.platform().config).await?;
    let mut response = json_response(StatusCode::OK, &settings.keys.jwks())?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(response)
}
