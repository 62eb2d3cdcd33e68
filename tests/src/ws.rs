//! WebSocket clients for the cases: `tests/ws/client.mjs` (npm `ws`) on the pinned Node.

use crate::node::{self, Lines};

/// Open sockets of one client process.
pub type Sockets = Lines;

/// Opens `count` sockets to `url` with `token` (none: no bearer subprotocol), each subscribing
/// to `channels`.
pub fn open(url: &str, token: Option<&str>, channels: &[&str], count: u32) -> Result<Sockets, String> {
    let channels = serde_json::to_string(channels).map_err(|e| e.to_string())?;
    node::spawn("tests/ws/client.mjs", &[url, token.unwrap_or_default(), &channels, &count.to_string()])
}
