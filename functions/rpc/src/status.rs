//! Errors on the wire: each problem becomes a Connect/gRPC status code, a message and details
//! (`orderflow.v1.ProblemDetail` with the REST machine code; `google.rpc.RetryInfo` when the
//! problem says when to retry), rendered the way the call's protocol carries a status.

#[cfg(test)]
use base64ct::Base64;
use base64ct::{Base64Unpadded, Encoding};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use prost::Message;
use serde::Serialize;
use web::{Body, Problem, Response};

use crate::pb::orderflow::v1::ProblemDetail;
use crate::wire::{self, END_STREAM_FLAG, Protocol, TRAILERS_FLAG, Wire};

/// The status codes shared by Connect and gRPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The call was cancelled.
    Canceled = 1,
    /// An error with no better code.
    Unknown = 2,
    /// The request is malformed or invalid.
    InvalidArgument = 3,
    /// The deadline passed first.
    DeadlineExceeded = 4,
    /// Missing, or not visible to the caller.
    NotFound = 5,
    /// It exists already.
    AlreadyExists = 6,
    /// The caller lacks a permission.
    PermissionDenied = 7,
    /// A limit was reached (rate, size).
    ResourceExhausted = 8,
    /// The system is not in a state that allows it.
    FailedPrecondition = 9,
    /// A concurrent change got in the way; retry the whole operation.
    Aborted = 10,
    /// Not served.
    Unimplemented = 12,
    /// A bug on the server.
    Internal = 13,
    /// A dependency is down; retry later.
    Unavailable = 14,
    /// No valid credential.
    Unauthenticated = 16,
}

impl Code {
    /// The code for `problem`: by its machine code where that is more precise than its HTTP
    /// status, otherwise by the status.
    pub fn of(problem: &Problem) -> Self {
        match problem.code() {
            "deadline_exceeded" => return Self::DeadlineExceeded,
            "concurrent_change" | "catalog_changed" | "idempotency_in_flight" | "edited_by_others" => {
                return Self::Aborted;
            }
            code if code.ends_with("_taken") || code.ends_with("_exists") => return Self::AlreadyExists,
            _ => {}
        }
        match problem.status() {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::InvalidArgument
            }
            StatusCode::UNAUTHORIZED => Self::Unauthenticated,
            StatusCode::FORBIDDEN => Self::PermissionDenied,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => Self::Unimplemented,
            StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED | StatusCode::PRECONDITION_REQUIRED => {
                Self::FailedPrecondition
            }
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => Self::ResourceExhausted,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            StatusCode::GATEWAY_TIMEOUT => Self::DeadlineExceeded,
            status if status.is_server_error() => Self::Internal,
            _ => Self::Unknown,
        }
    }

    /// Connect's name for the code.
    pub fn name(self) -> &'static str {
        match self {
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
            Self::InvalidArgument => "invalid_argument",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::PermissionDenied => "permission_denied",
            Self::ResourceExhausted => "resource_exhausted",
            Self::FailedPrecondition => "failed_precondition",
            Self::Aborted => "aborted",
            Self::Unimplemented => "unimplemented",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unauthenticated => "unauthenticated",
        }
    }

    /// The HTTP status of a Connect unary error with this code.
    pub fn http_status(self) -> StatusCode {
        match self {
            Self::Canceled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            Self::InvalidArgument | Self::FailedPrecondition => StatusCode::BAD_REQUEST,
            Self::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::AlreadyExists | Self::Aborted => StatusCode::CONFLICT,
            Self::PermissionDenied => StatusCode::FORBIDDEN,
            Self::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Self::Unimplemented => StatusCode::NOT_IMPLEMENTED,
            Self::Unknown | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
        }
    }
}

/// The problem of a call whose deadline passed before it finished.
pub fn deadline_exceeded() -> Problem {
    Problem::new(StatusCode::GATEWAY_TIMEOUT, "deadline_exceeded", "Deadline exceeded")
        .with_detail("The call's deadline passed before it finished.")
}

/// `google.rpc.RetryInfo`: how long to wait before retrying.
#[derive(Clone, PartialEq, Message)]
struct RetryInfo {
    /// The wait.
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<pbjson_types::Duration>,
}

/// `google.rpc.Status`: a gRPC status with details (gRPC-Web's `grpc-status-details-bin`).
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    /// The code's number.
    #[prost(int32, tag = "1")]
    code: i32,
    /// The message.
    #[prost(string, tag = "2")]
    message: String,
    /// The details.
    #[prost(message, repeated, tag = "3")]
    details: Vec<pbjson_types::Any>,
}

/// A problem as a status: code, message and encoded details.
struct Status {
    code: Code,
    message: String,
    /// Fully-qualified message name and encoded message.
    details: Vec<(&'static str, Vec<u8>)>,
    retry_after: Option<HeaderValue>,
}

impl Status {
    fn of(problem: &Problem) -> Self {
        let code = Code::of(problem);
        // Internal errors say nothing about internals (the problem's detail is already generic).
        let message = problem.detail().unwrap_or(problem.title()).to_owned();
        let detail = ProblemDetail { code: problem.code().to_owned(), title: problem.title().to_owned() };
        let mut details = vec![("orderflow.v1.ProblemDetail", detail.encode_to_vec())];
        let retry_after = problem.headers().get(header::RETRY_AFTER).cloned();
        let seconds = retry_after.as_ref().and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(seconds) = seconds {
            let delay = pbjson_types::Duration { seconds, nanos: 0 };
            details.push(("google.rpc.RetryInfo", RetryInfo { retry_delay: Some(delay) }.encode_to_vec()));
        }
        Self { code, message, details, retry_after }
    }

    /// Connect's JSON error object.
    fn connect_json(&self) -> ConnectError<'_> {
        ConnectError {
            code: self.code.name(),
            message: &self.message,
            details: self
                .details
                .iter()
                .map(|(name, value)| ConnectDetail { kind: name, value: Base64Unpadded::encode_string(value) })
                .collect(),
        }
    }

    /// gRPC-Web's trailers block.
    fn grpc_trailers(&self) -> String {
        let status = RpcStatus {
            code: self.code as i32,
            message: self.message.clone(),
            details: self
                .details
                .iter()
                .map(|(name, value)| pbjson_types::Any {
                    type_url: format!("type.googleapis.com/{name}"),
                    value: Bytes::from(value.clone()),
                })
                .collect(),
        };
        format!(
            "grpc-status: {}\r\ngrpc-message: {}\r\ngrpc-status-details-bin: {}\r\n",
            self.code as i32,
            percent_encode(&self.message),
            Base64Unpadded::encode_string(&status.encode_to_vec())
        )
    }
}

/// Connect's error JSON.
#[derive(Serialize)]
struct ConnectError<'a> {
    code: &'static str,
    message: &'a str,
    details: Vec<ConnectDetail<'a>>,
}

/// One error detail in Connect's JSON: the message's name and its base64 Protobuf encoding.
#[derive(Serialize)]
struct ConnectDetail<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    value: String,
}

/// The last envelope of a successful stream (or enveloped unary call).
pub fn ok_trailer(wire: Wire) -> Bytes {
    match wire.protocol {
        Protocol::GrpcWeb => wire::envelope(TRAILERS_FLAG, b"grpc-status: 0\r\ngrpc-message: \r\n"),
        _ => wire::envelope(END_STREAM_FLAG, b"{}"),
    }
}

/// The last envelope of a stream that ends with `problem`.
pub fn error_trailer(wire: Wire, problem: &Problem) -> Bytes {
    let status = Status::of(problem);
    match wire.protocol {
        Protocol::GrpcWeb => wire::envelope(TRAILERS_FLAG, status.grpc_trailers().as_bytes()),
        _ => {
            #[derive(Serialize)]
            struct EndStream<'a> {
                error: ConnectError<'a>,
            }
            let json = serde_json::to_vec(&EndStream { error: status.connect_json() }).unwrap_or_default();
            wire::envelope(END_STREAM_FLAG, &json)
        }
    }
}

/// Renders `problem` for the call whose request had `request_headers` (the RPC routes'
/// [`web::ProblemRenderer`]): a Connect unary error with its HTTP status, or, for enveloped
/// protocols, a 200 whose body holds only the status envelope. A request in no RPC content
/// type gets a Connect unary JSON error.
pub fn render(problem: &Problem, request_headers: &HeaderMap) -> Response {
    let wire =
        Wire::of(request_headers).unwrap_or(Wire { protocol: Protocol::ConnectUnary, codec: crate::wire::Codec::Json });
    let status = Status::of(problem);
    let (http_status, content_type, body) = if wire.is_enveloped() {
        (StatusCode::OK, wire.content_type(), error_trailer(wire, problem))
    } else {
        let json = serde_json::to_vec(&status.connect_json()).unwrap_or_default();
        (status.code.http_status(), "application/json", Bytes::from(json))
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = http_status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(value) = status.retry_after {
        headers.insert(header::RETRY_AFTER, value);
    }
    if let Some(allow) = problem.headers().get(header::ALLOW) {
        headers.insert(header::ALLOW, allow.clone());
    }
    response
}

/// gRPC's percent-encoding of `grpc-message`: everything outside printable ASCII, and `%`.
fn percent_encode(text: &str) -> String {
    let mut out = BytesMut::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if (0x20..=0x7e).contains(&byte) && byte != b'%' {
            out.extend_from_slice(&[byte]);
        } else {
            out.extend_from_slice(format!("%{byte:02X}").as_bytes());
        }
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// Decodes a standard or unpadded base64 detail value.
#[cfg(test)]
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    Base64Unpadded::decode_vec(text.trim_end_matches('=')).ok().or_else(|| Base64::decode_vec(text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        headers
    }

    #[test]
    fn problems_map_to_codes() {
        let cases = [
            (Problem::not_found(), Code::NotFound),
            (Problem::new(StatusCode::UNAUTHORIZED, "invalid_token", "x"), Code::Unauthenticated),
            (Problem::new(StatusCode::FORBIDDEN, "forbidden", "x"), Code::PermissionDenied),
            (Problem::new(StatusCode::CONFLICT, "invalid_transition", "x"), Code::FailedPrecondition),
            (Problem::new(StatusCode::CONFLICT, "concurrent_change", "x"), Code::Aborted),
            (Problem::new(StatusCode::CONFLICT, "sku_taken", "x"), Code::AlreadyExists),
            (Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "x"), Code::ResourceExhausted),
            (Problem::payload_too_large(10), Code::ResourceExhausted),
            (Problem::unprocessable("invalid_order", "x"), Code::InvalidArgument),
            (Problem::service_unavailable("db down"), Code::Unavailable),
            (Problem::internal("bug"), Code::Internal),
            (deadline_exceeded(), Code::DeadlineExceeded),
        ];
        for (problem, code) in cases {
            assert_eq!(Code::of(&problem), code, "{}", problem.code());
        }
    }

    #[test]
    fn connect_unary_errors_are_json_with_the_http_status_and_details() {
        let limited = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests")
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("7"));
        let response = render(&limited, &headers("application/proto"));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let body: serde_json::Value = serde_json::from_slice(response.body().full().unwrap()).unwrap();
        assert_eq!(body["code"], "resource_exhausted");
        assert_eq!(body["details"][0]["type"], "orderflow.v1.ProblemDetail");
        let detail = ProblemDetail::decode(&decode_base64(body["details"][0]["value"].as_str().unwrap()).unwrap()[..]);
        assert_eq!(detail.unwrap().code, "rate_limited");
        assert_eq!(body["details"][1]["type"], "google.rpc.RetryInfo");
        let retry = RetryInfo::decode(&decode_base64(body["details"][1]["value"].as_str().unwrap()).unwrap()[..]);
        assert_eq!(retry.unwrap().retry_delay.unwrap().seconds, 7);
    }

    #[test]
    fn enveloped_errors_are_200_with_a_status_envelope() {
        let response = render(&Problem::not_found(), &headers("application/grpc-web+proto"));
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.body().full().unwrap();
        assert_eq!(body[0], TRAILERS_FLAG);
        let trailers = std::str::from_utf8(&body[5..]).unwrap();
        assert!(
            trailers.starts_with("grpc-status: 5\r\ngrpc-message: No resource exists at this URL.\r\n"),
            "{trailers}"
        );

        let response = render(&Problem::not_found(), &headers("application/connect+json"));
        let body = response.body().full().unwrap();
        assert_eq!(body[0], END_STREAM_FLAG);
        let end: serde_json::Value = serde_json::from_slice(&body[5..]).unwrap();
        assert_eq!(end["error"]["code"], "not_found");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/connect+json");
    }

    #[test]
    fn grpc_messages_are_percent_encoded() {
        assert_eq!(percent_encode("50% off: ünï"), "50%25 off: %C3%BCn%C3%AF");
    }
}
