//! How streams behave, from configuration (read once per request that opens one).

use std::time::Duration;

use identity::settings::{millis, seconds};
use web::Problem;
use web::ports::Config;

/// A stream's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamSettings {
    /// How often the outbox is read for new events (`EVENTS_POLL_MS`, default 1000, 50–60000):
    /// one SQL round trip per open stream per interval, which also re-checks the credential.
    pub poll: Duration,
    /// A comment is sent after this long without an event (`EVENTS_HEARTBEAT_SECONDS`, default 15).
    pub heartbeat: Duration,
    /// The server ends a stream after this long (`EVENTS_STREAM_LIFETIME_SECONDS`, default 300);
    /// clients reconnect with `Last-Event-ID` and lose nothing.
    pub lifetime: Duration,
    /// What `retry:` tells clients to wait before reconnecting (`EVENTS_RETRY_MS`, default 2000).
    pub retry: Duration,
}

/// The most events one read returns (the rest come on the next read, without waiting).
pub const PAGE: u32 = 100;

impl StreamSettings {
    /// Reads the settings; a malformed value is a deployment error (500 with its name).
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        Ok(Self {
            poll: millis(config, "events_poll_ms", 1000, 50..=60_000).await?,
            heartbeat: Duration::from_secs(seconds(config, "events_heartbeat_seconds", 15).await?.unsigned_abs()),
            lifetime: Duration::from_secs(seconds(config, "events_stream_lifetime_seconds", 300).await?.unsigned_abs()),
            retry: millis(config, "events_retry_ms", 2000, 0..=600_000).await?,
        })
    }
}
