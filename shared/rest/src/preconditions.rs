//! Optimistic concurrency: `ETag` on single resources, `If-Match` on changes (RFC 9110 §13).
//!
//! Every mutable row has an integer `version`, bumped by each change; its ETag is `"v<version>"`.
//! A change with `If-Match` applies only to that version (`UPDATE … WHERE version = ?`), so two
//! clients cannot silently overwrite each other: the slower one gets 412.

use http::{HeaderValue, StatusCode, header};
use web::{Problem, Request, Response};

/// The strong ETag of a version.
pub fn etag(version: i64) -> HeaderValue {
    // Digits and quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("ETag is ASCII")
}

/// Sets the `ETag` of `response`.
pub fn with_etag(mut response: Response, version: i64) -> Response {
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// Checks `If-Match` against the current version: absent or `*` passes, as does a list that
/// names `"v<current>"` (strong comparison); anything else is 412, including a value that is
/// not text (it is a condition the client set, not a missing one). Writes still carry
/// `WHERE version = <current>`, so a change landing after this check is caught there.
pub fn check_if_match(request: &Request, current: i64) -> Result<(), Problem> {
    let Some(value) = request.headers().get(header::IF_MATCH) else { return Ok(()) };
    let current = format!("\"v{current}\"");
    let matches =
        value.to_str().is_ok_and(|tags| tags.split(',').map(str::trim).any(|tag| tag == "*" || tag == current));
    if matches { Ok(()) } else { Err(precondition_failed()) }
}

/// Whether `If-None-Match` names the current version (a GET can answer 304). The comparison is
/// weak (RFC 9110 §13.1.2): `W/"v3"` matches version 3, as an edge that compresses the response
/// may have weakened the ETag the client saw.
pub fn if_none_match(request: &Request, version: i64) -> bool {
    let current = format!("\"v{version}\"");
    request.header(header::IF_NONE_MATCH).is_some_and(|value| {
        value.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == current)
    })
}

/// 412: the resource changed since the client read it.
pub fn precondition_failed() -> Problem {
    Problem::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", "Precondition failed")
        .with_detail("The resource changed since you read it (If-Match did not match its ETag). Fetch it again.")
}
