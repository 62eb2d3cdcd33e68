//! What a call looks like on the wire: which protocol and codec its `Content-Type` names, the
//! 5-byte envelopes of streaming protocols, and messages in either codec.
//!
//! - Connect unary: `application/proto` or `application/json`; the body is one bare message.
//! - Connect streaming: `application/connect+proto` or `+json`; every message is an envelope,
//!   and the last envelope (flag `0x02`) carries the end-of-stream JSON (the status).
//! - gRPC-Web: `application/grpc-web` (`+proto`, or `+json`); every message is an envelope and
//!   the last one (flag `0x80`) carries the trailers (`grpc-status`, `grpc-message`).

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use web::Problem;

/// Flag of an envelope carrying Connect's end-of-stream message.
pub const END_STREAM_FLAG: u8 = 0x02;
/// Flag of an envelope carrying gRPC-Web trailers.
pub const TRAILERS_FLAG: u8 = 0x80;
/// Flag bit of a compressed message (never sent; refused when received).
const COMPRESSED_FLAG: u8 = 0x01;
/// Envelope header: one flag byte, then the big-endian length of the data.
const ENVELOPE_HEADER: usize = 5;

/// How messages are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Protobuf binary.
    Proto,
    /// The proto3 JSON mapping.
    Json,
}

/// The RPC protocol of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Connect, unary: a bare message each way; errors as JSON with an HTTP status.
    ConnectUnary,
    /// Connect, streaming: envelopes each way; the status in an end-of-stream envelope.
    ConnectStream,
    /// gRPC-Web: envelopes each way; the status in a trailers envelope.
    GrpcWeb,
}

/// The protocol and codec of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// The protocol.
    pub protocol: Protocol,
    /// The codec.
    pub codec: Codec,
}

/// The request content types served, for error messages.
pub const ACCEPTED: &str = "application/proto, application/json, application/connect+proto, \
                            application/connect+json, application/grpc-web+proto or application/grpc-web+json";

impl Wire {
    /// The wire a request's `Content-Type` names, if it is one served here.
    pub fn of(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let (protocol, codec) = match essence.as_str() {
            "application/proto" => (Protocol::ConnectUnary, Codec::Proto),
            "application/json" => (Protocol::ConnectUnary, Codec::Json),
            "application/connect+proto" => (Protocol::ConnectStream, Codec::Proto),
            "application/connect+json" => (Protocol::ConnectStream, Codec::Json),
            "application/grpc-web" | "application/grpc-web+proto" => (Protocol::GrpcWeb, Codec::Proto),
            "application/grpc-web+json" => (Protocol::GrpcWeb, Codec::Json),
            _ => return None,
        };
        Some(Self { protocol, codec })
    }

    /// The response `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match (self.protocol, self.codec) {
            (Protocol::ConnectUnary, Codec::Proto) => "application/proto",
            (Protocol::ConnectUnary, Codec::Json) => "application/json",
            (Protocol::ConnectStream, Codec::Proto) => "application/connect+proto",
            (Protocol::ConnectStream, Codec::Json) => "application/connect+json",
            (Protocol::GrpcWeb, Codec::Proto) => "application/grpc-web+proto",
            (Protocol::GrpcWeb, Codec::Json) => "application/grpc-web+json",
        }
    }

    /// Whether messages travel in envelopes (every protocol but Connect unary).
    pub fn is_enveloped(self) -> bool {
        self.protocol != Protocol::ConnectUnary
    }

    /// The request message: the whole body (Connect unary) or its one envelope.
    pub fn decode_request<M: prost::Message + DeserializeOwned + Default>(self, body: &[u8]) -> Result<M, Problem> {
        let data = if self.is_enveloped() { single_envelope(body)? } else { body };
        decode(self.codec, data)
    }

    /// A response message: bare (Connect unary) or in an envelope.
    pub fn encode_message<M: prost::Message + Serialize>(self, message: &M) -> Result<Bytes, Problem> {
        let data = encode(self.codec, message)?;
        Ok(if self.is_enveloped() { envelope(0, &data) } else { Bytes::from(data) })
    }
}

/// `message` in `codec`.
pub fn encode<M: prost::Message + Serialize>(codec: Codec, message: &M) -> Result<Vec<u8>, Problem> {
    match codec {
        Codec::Proto => Ok(message.encode_to_vec()),
        Codec::Json => serde_json::to_vec(message).map_err(|e| Problem::internal(format!("encoding a message: {e}"))),
    }
}

/// A message from `data` in `codec`: 400 `invalid_message` when it is not one.
pub fn decode<M: prost::Message + DeserializeOwned + Default>(codec: Codec, data: &[u8]) -> Result<M, Problem> {
    let invalid = |what: String| Problem::bad_request("invalid_message", format!("The request message {what}."));
    match codec {
        Codec::Proto => M::decode(data).map_err(|e| invalid(format!("is not valid Protobuf: {e}"))),
        // An empty JSON body is the empty message, as in Connect's own servers.
        Codec::Json if data.iter().all(u8::is_ascii_whitespace) => Ok(M::default()),
        Codec::Json => serde_json::from_slice(data).map_err(|e| invalid(format!("does not fit its type: {e}"))),
    }
}

/// One envelope around `data`.
pub fn envelope(flags: u8, data: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(ENVELOPE_HEADER + data.len());
    frame.put_u8(flags);
    // Messages are bounded by the body limit, far below 4 GiB.
    frame.put_u32(u32::try_from(data.len()).unwrap_or(u32::MAX));
    frame.put_slice(data);
    frame.freeze()
}

/// The data of the one uncompressed message envelope that must make up `body`.
fn single_envelope(body: &[u8]) -> Result<&[u8], Problem> {
    let malformed = |detail: &str| Problem::bad_request("invalid_envelope", detail.to_owned());
    let Some((header, rest)) = body.split_first_chunk::<ENVELOPE_HEADER>() else {
        return Err(malformed("The body must be one enveloped message (5-byte header, then the message)."));
    };
    let [flags, length @ ..] = *header;
    if flags & COMPRESSED_FLAG != 0 {
        return Err(Problem::new(
            http::StatusCode::NOT_IMPLEMENTED,
            "unsupported_compression",
            "Unsupported compression",
        )
        .with_detail("Messages are served uncompressed; send them uncompressed."));
    }
    if flags != 0 {
        return Err(malformed("The request envelope must carry a message (flags 0)."));
    }
    let length = u32::from_be_bytes(length) as usize;
    if rest.len() != length {
        return Err(malformed("The envelope's length does not match the body; send exactly one message."));
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::orderflow::v1::GetOrderRequest;

    fn wire(content_type: &str) -> Option<Wire> {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
        Wire::of(&headers)
    }

    #[test]
    fn content_types_name_protocol_and_codec() {
        assert_eq!(wire("application/proto"), Some(Wire { protocol: Protocol::ConnectUnary, codec: Codec::Proto }));
        assert_eq!(wire("Application/JSON; charset=utf-8").map(|w| w.codec), Some(Codec::Json));
        assert_eq!(wire("application/connect+json").map(|w| w.protocol), Some(Protocol::ConnectStream));
        assert_eq!(
            wire("application/grpc-web").map(|w| (w.protocol, w.codec)),
            Some((Protocol::GrpcWeb, Codec::Proto))
        );
        assert_eq!(wire("application/grpc"), None, "native gRPC needs HTTP/2 trailers");
        assert_eq!(wire("text/plain"), None);
    }

    #[test]
    fn envelopes_round_trip_and_malformed_ones_are_refused() {
        let grpc_web = Wire { protocol: Protocol::GrpcWeb, codec: Codec::Proto };
        let message = GetOrderRequest { id: "o-1".into() };
        let framed = grpc_web.encode_message(&message).unwrap();
        assert_eq!(framed[0], 0);
        assert_eq!(u32::from_be_bytes(framed[1..5].try_into().unwrap()) as usize, framed.len() - 5);
        assert_eq!(grpc_web.decode_request::<GetOrderRequest>(&framed).unwrap(), message);

        for bad in [&framed[..3], &framed[..framed.len() - 1], &[framed.as_ref(), &[0]].concat()[..]] {
            assert_eq!(grpc_web.decode_request::<GetOrderRequest>(bad).unwrap_err().code(), "invalid_envelope");
        }
        let mut compressed = framed.to_vec();
        compressed[0] = COMPRESSED_FLAG;
        let refused = grpc_web.decode_request::<GetOrderRequest>(&compressed).unwrap_err();
        assert_eq!(refused.code(), "unsupported_compression");
    }

    #[test]
    fn json_uses_the_proto3_mapping() {
        let json = Wire { protocol: Protocol::ConnectUnary, codec: Codec::Json };
        let message: GetOrderRequest = json.decode_request(br#"{"id":"o-9"}"#).unwrap();
        assert_eq!(message.id, "o-9");
        assert_eq!(json.decode_request::<GetOrderRequest>(b"").unwrap(), GetOrderRequest::default());
        assert_eq!(json.decode_request::<GetOrderRequest>(b"{\"id\":5}").unwrap_err().code(), "invalid_message");
        assert_eq!(&json.encode_message(&message).unwrap()[..], br#"{"id":"o-9"}"#);
    }
}
