//! A cached value with its freshness, and its KV encoding.

/// One cached value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) value: Vec<u8>,
    /// Unix ms until which it is fresh.
    pub(crate) fresh_until: i64,
    /// Unix ms until which it may be served stale.
    pub(crate) stale_until: i64,
    /// How long the load took (ms), for early refresh.
    pub(crate) load_ms: i64,
}

const HEADER: usize = 24;

impl Entry {
    /// `[fresh_until][stale_until][load_ms]` (big-endian i64s) then the value.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.value.len());
        out.extend_from_slice(&self.fresh_until.to_be_bytes());
        out.extend_from_slice(&self.stale_until.to_be_bytes());
        out.extend_from_slice(&self.load_ms.to_be_bytes());
        out.extend_from_slice(&self.value);
        out
    }

    /// The inverse of [`Entry::encode`]; `None` for anything else.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < HEADER {
            return None;
        }
        let number = |at: usize| i64::from_be_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
        Some(Self {
            fresh_until: number(0),
            stale_until: number(8),
            load_ms: number(16),
            value: bytes[HEADER..].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let entry = Entry { value: b"{\"a\":1}".to_vec(), fresh_until: 10, stale_until: 20, load_ms: 3 };
        assert_eq!(Entry::decode(&entry.encode()), Some(entry));
        assert_eq!(Entry::decode(b"short"), None);
    }
}
