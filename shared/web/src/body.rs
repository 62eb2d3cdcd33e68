//! Reading request bodies under a size limit.

use bytes::Bytes;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is longer than the limit; reading stopped there.
    TooLarge,
    /// The client's stream failed (diagnostic text for the log).
    Unreadable(String),
}

/// A request body that has not been read yet. Adapters implement it over their runtime's
/// stream so the core can refuse oversized bodies without buffering them.
#[allow(async_fn_in_trait)]
pub trait IncomingBody {
    /// Reads the whole body, failing with [`BodyError::TooLarge`] as soon as more than
    /// `limit` bytes arrive.
    async fn read_to_end(self, limit: usize) -> Result<Bytes, BodyError>;
}

/// An already-buffered body (native tests and adapters that receive whole bodies).
impl IncomingBody for Bytes {
    async fn read_to_end(self, limit: usize) -> Result<Bytes, BodyError> {
        if self.len() > limit { Err(BodyError::TooLarge) } else { Ok(self) }
    }
}

/// Appends `chunk` to `buffer` unless that would exceed `limit`: the helper adapters use when
/// reading a runtime's body stream chunk by chunk.
pub fn append_within_limit(buffer: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), BodyError> {
    if buffer.len().saturating_add(chunk.len()) > limit {
        return Err(BodyError::TooLarge);
    }
    buffer.extend_from_slice(chunk);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stop_at_the_limit() {
        let mut buffer = Vec::new();
        assert!(append_within_limit(&mut buffer, b"abc", 4).is_ok());
        assert_eq!(append_within_limit(&mut buffer, b"de", 4), Err(BodyError::TooLarge));
        assert_eq!(buffer, b"abc");
        assert!(append_within_limit(&mut buffer, b"d", 4).is_ok());
    }
}
