//! One RPC call: its wire and deadline, its input message, and its answer, unary or streamed.

use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt};
use http::{HeaderValue, StatusCode, header};
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use web::{Body, Problem, Request, Response};

use crate::deadline;
use crate::status::{self, deadline_exceeded};
use crate::wire::{ACCEPTED, Protocol, Wire};

/// A call being served.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// How it travels.
    pub wire: Wire,
    /// When it must be done (Unix ms), if the client set a timeout.
    pub deadline_ms: Option<i64>,
}

/// Headers naming a compression of the request's messages, per protocol.
const ENCODING_HEADERS: [&str; 3] = ["content-encoding", "connect-content-encoding", "grpc-encoding"];

impl Call {
    /// The call `request` makes: 400 for an unknown content type (naming those served), an
    /// encoding other than identity, or a malformed timeout.
    pub fn open(request: &Request) -> Result<Self, Problem> {
        let wire = Wire::of(request.headers()).ok_or_else(|| Problem::unsupported_media_type(ACCEPTED))?;
        for name in ENCODING_HEADERS {
            if request.header(name).is_some_and(|e| !e.eq_ignore_ascii_case("identity")) {
                return Err(Problem::new(
                    StatusCode::NOT_IMPLEMENTED,
                    "unsupported_compression",
                    "Unsupported compression",
                )
                .with_detail("Messages are served uncompressed; send them uncompressed."));
            }
        }
        let now = request.platform().clock.now_millis();
        let deadline_ms = deadline::timeout(request.headers())?
            .map(|timeout| now.saturating_add(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX)));
        Ok(Self { wire, deadline_ms })
    }

    /// Like [`Call::open`], for a server-streaming method: Connect unary content types are
    /// refused, since a stream needs envelopes.
    pub fn open_stream(request: &Request) -> Result<Self, Problem> {
        let call = Self::open(request)?;
        if call.wire.protocol == Protocol::ConnectUnary {
            return Err(Problem::unsupported_media_type(
                "a streaming content type (application/connect+proto or +json, application/grpc-web+proto)",
            ));
        }
        Ok(call)
    }

    /// The request message.
    pub fn input<M: Message + DeserializeOwned + Default>(&self, request: &Request) -> Result<M, Problem> {
        self.wire.decode_request(request.body())
    }

    /// Milliseconds left before the deadline (`None` without one).
    pub fn remaining_ms(&self, request: &Request) -> Option<u64> {
        let now = request.platform().clock.now_millis();
        self.deadline_ms.map(|deadline| deadline.saturating_sub(now).max(0).unsigned_abs())
    }

    /// `work`'s answer, or `deadline_exceeded` once the deadline passes first (the work is
    /// dropped: a write already sent to the database still lands whole or not at all).
    pub async fn within<T>(
        &self,
        request: &Request,
        work: impl Future<Output = Result<T, Problem>>,
    ) -> Result<T, Problem> {
        let Some(left) = self.remaining_ms(request) else { return work.await };
        if left == 0 {
            return Err(deadline_exceeded());
        }
        let timer = request.platform().timer.sleep(Duration::from_millis(left));
        match select(pin!(work), timer).await {
            Either::Left((answer, _)) => answer,
            Either::Right(((), _)) => Err(deadline_exceeded()),
        }
    }

    /// The answer of a unary call.
    pub fn reply<M: Message + Serialize>(&self, message: &M) -> Result<Response, Problem> {
        let mut body = self.wire.encode_message(message)?;
        if self.wire.is_enveloped() {
            body = [body, status::ok_trailer(self.wire)].concat().into();
        }
        Ok(self.response(Body::from(body)))
    }

    /// The answer of a server-streaming call: each message as it comes, then the status (OK
    /// when `messages` ends, the error's when it yields one).
    pub fn stream<M: Message + Serialize + 'static>(
        &self,
        messages: impl Stream<Item = Result<M, Problem>> + 'static,
    ) -> Response {
        let wire = self.wire;
        let frames = messages
            .map(move |item| item.and_then(|message| wire.encode_message(&message)).map_err(Some))
            // The end of the messages: `Err(None)` becomes the OK status.
            .chain(futures_util::stream::once(std::future::ready(Err::<Bytes, _>(None))))
            .scan(false, move |ended, item| {
                let frame = match (*ended, item) {
                    (true, _) => None,
                    (false, Ok(frame)) => Some(frame),
                    (false, Err(problem)) => {
                        *ended = true;
                        Some(match problem {
                            Some(problem) => status::error_trailer(wire, &problem),
                            None => status::ok_trailer(wire),
                        })
                    }
                };
                std::future::ready(frame)
            });
        self.response(Body::stream(frames))
    }

    fn response(&self, body: Body) -> Response {
        let mut response = Response::new(body);
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.wire.content_type()));
        response
    }
}
