//! Response bodies: bytes known up front, or a stream produced over time.
//!
//! Most responses are [`Body::Full`]. A [`Body::Stream`] (Server-Sent Events, streamed RPC
//! answers) yields its chunks as they are made; each adapter writes them to the client as they
//! come (a `ReadableStream` on Workers, a `wasi:http` body stream on Spin) and the stream ends
//! the response when it ends. A stream is never buffered by the pipeline.

use std::fmt;
use std::pin::Pin;
use std::task::Context;

use bytes::Bytes;
use futures_core::Stream;

/// The chunks of a streamed body, in order. A stream that fails ends: what it could not
/// produce is the client's cue to reconnect.
pub type BodyStream = Pin<Box<dyn Stream<Item = Bytes>>>;

/// A response body.
pub enum Body {
    /// Bytes known before the head is sent (framed by `Content-Length`).
    Full(Bytes),
    /// Chunks produced while the response is open (no length; chunked on HTTP/1.1).
    Stream(BodyStream),
}

impl Body {
    /// No bytes.
    pub fn empty() -> Self {
        Self::Full(Bytes::new())
    }

    /// A body streamed from `chunks`.
    pub fn stream(chunks: impl Stream<Item = Bytes> + 'static) -> Self {
        Self::Stream(Box::pin(chunks))
    }

    /// The bytes of a [`Body::Full`]; `None` for a stream (which has no length yet).
    pub fn full(&self) -> Option<&Bytes> {
        match self {
            Self::Full(bytes) => Some(bytes),
            Self::Stream(_) => None,
        }
    }

    /// Whether this is a full body of no bytes.
    pub fn is_empty(&self) -> bool {
        self.full().is_some_and(Bytes::is_empty)
    }

    /// The next chunk: the whole of a full body (then nothing), or the stream's next one.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        match self {
            Self::Full(bytes) if bytes.is_empty() => None,
            Self::Full(bytes) => Some(std::mem::take(bytes)),
            Self::Stream(stream) => std::future::poll_fn(|cx: &mut Context<'_>| stream.as_mut().poll_next(cx)).await,
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(bytes) => f.debug_tuple("Full").field(bytes).finish(),
            Self::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::Full(bytes)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Full(bytes.into())
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Self::Full(text.into())
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Self::Full(Bytes::from_static(text.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Self::Full(Bytes::from_static(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Poll;

    struct Counting(u8);

    impl Stream for Counting {
        type Item = Bytes;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Bytes>> {
            if self.0 == 0 {
                return Poll::Ready(None);
            }
            self.0 -= 1;
            Poll::Ready(Some(Bytes::from(vec![b'0' + self.0])))
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn a_full_body_is_one_chunk_then_none() {
        let mut body = Body::from("abc");
        assert_eq!(block_on(body.next_chunk()).as_deref(), Some(&b"abc"[..]));
        assert_eq!(block_on(body.next_chunk()), None);
        assert_eq!(block_on(Body::empty().next_chunk()), None);
    }

    #[test]
    fn a_stream_yields_its_chunks_in_order() {
        let mut body = Body::stream(Counting(3));
        assert!(body.full().is_none() && !body.is_empty());
        let mut seen = Vec::new();
        while let Some(chunk) = block_on(body.next_chunk()) {
            seen.extend_from_slice(&chunk);
        }
        assert_eq!(seen, b"210");
    }
}
