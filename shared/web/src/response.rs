//! Turning handler results into responses.

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::{Body, Problem};

/// The response type every handler produces.
pub type Response = http::Response<Body>;

/// Anything a handler may return.
pub trait IntoResponse {
    /// Converts `self` into a response, or the problem to render instead.
    fn into_response(self) -> Result<Response, Problem>;
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, Problem> {
        Ok(self)
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Result<Response, Problem> {
        Ok(empty_response(self))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Result<Response, Problem> {
        Err(self)
    }
}

impl<T: IntoResponse> IntoResponse for Result<T, Problem> {
    fn into_response(self) -> Result<Response, Problem> {
        self.and_then(IntoResponse::into_response)
    }
}

/// A JSON body (`application/json`), status 200 unless paired with another status.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response, Problem> {
        json_response(StatusCode::OK, &self.0)
    }
}

impl<T: Serialize> IntoResponse for (StatusCode, Json<T>) {
    fn into_response(self) -> Result<Response, Problem> {
        json_response(self.0, &self.1.0)
    }
}

/// A response with `status` and no body (204, 304, …).
pub fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// Serialises `value` as an `application/json` response with `status`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Result<Response, Problem> {
    let bytes = serde_json::to_vec(value).map_err(|e| Problem::internal(format!("serialising response: {e}")))?;
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}
