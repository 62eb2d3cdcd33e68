//! Delivery settings, from configuration.

use ports::Config;
use web::Problem;

/// How deliveries are attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Each attempt's time limit (`WEBHOOK_TIMEOUT_MS`, default 10000): a receiver that
    /// hangs counts as a failure.
    pub timeout_ms: u64,
    /// Attempts before a delivery is dead-lettered (`WEBHOOK_MAX_ATTEMPTS`, default 8).
    pub max_attempts: u32,
    /// Backoff base and cap (`WEBHOOK_BACKOFF_BASE_MS`, default 30000;
    /// `WEBHOOK_BACKOFF_MAX_MS`, default 3600000).
    pub backoff_base_ms: u64,
    /// See [`DeliverySettings::backoff_base_ms`].
    pub backoff_max_ms: u64,
    /// Consecutive failed attempts that open an endpoint's breaker (`WEBHOOK_BREAKER_FAILURES`,
    /// default 5).
    pub breaker_failures: u32,
    /// How long an open breaker stays open before one probe is let through
    /// (`WEBHOOK_BREAKER_COOLDOWN_MS`, default 60000).
    pub breaker_cooldown_ms: u64,
    /// `host:port` pairs the SSRF guard admits anyway, `http` included
    /// (`WEBHOOK_ALLOWED_HOSTS`, comma-separated; local development and tests only).
    pub allowed_hosts: Vec<String>,
}

impl DeliverySettings {
    /// Reads the settings; a malformed value is a deployment error (500 naming it).
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        Ok(Self {
            timeout_ms: number(config, "webhook_timeout_ms", 10_000, 100, 60_000).await?,
            max_attempts: u32::try_from(number(config, "webhook_max_attempts", 8, 1, 50).await?).unwrap_or(8),
            backoff_base_ms: number(config, "webhook_backoff_base_ms", 30_000, 10, 86_400_000).await?,
            backoff_max_ms: number(config, "webhook_backoff_max_ms", 3_600_000, 10, 7 * 86_400_000).await?,
            breaker_failures: u32::try_from(number(config, "webhook_breaker_failures", 5, 1, 1000).await?).unwrap_or(5),
            breaker_cooldown_ms: number(config, "webhook_breaker_cooldown_ms", 60_000, 10, 86_400_000).await?,
            allowed_hosts: config
                .var("webhook_allowed_hosts")
                .await?
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

async fn number(config: &dyn Config, name: &str, default: u64, min: u64, max: u64) -> Result<u64, Problem> {
    let Some(text) = config.var(name).await?.filter(|t| !t.trim().is_empty()) else { return Ok(default) };
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| Problem::internal(format!("{name}: `{text}` is not a whole number from {min} to {max}")))
}
