//! The `OTEL_*` settings (OpenTelemetry's environment-variable names, read through the config
//! port: `otel_exporter_otlp_endpoint` here is `OTEL_EXPORTER_OTLP_ENDPOINT` on the Worker and
//! `SPIN_VARIABLE_OTEL_EXPORTER_OTLP_ENDPOINT` for Spin).
//!
//! | setting | meaning | default |
//! |---|---|---|
//! | `otel_exporter_otlp_endpoint` | collector base URL; `/v1/traces` and `/v1/metrics` are appended | none: telemetry off |
//! | `otel_exporter_otlp_headers` (secret) | `name=value,...` sent with every export (e.g. an API key) | none |
//! | `otel_exporter_otlp_timeout` | milliseconds an export may take before it is dropped | 10000 |
//! | `otel_service_name` | `service.name` of every span and metric | `orderflow` |
//! | `otel_traces_sampler_arg` | ratio of new traces recorded (parent-based: a caller's decision is kept; errors are always kept) | 1.0 |
//! | `otel_metric_export_interval` | milliseconds between metric exports of one instance | 60000 |
//! | `otel_bsp_max_queue_size` | spans an instance buffers before dropping (and counting) more | 2048 |
//! | `otel_bsp_schedule_delay` | milliseconds the first queued spans wait for more before a flush | 5000 |
//! | `otel_bsp_max_export_batch_size` | queued spans that are flushed at once, without waiting | 512 |

use std::time::Duration;

use ports::{Config, PortError};

/// The telemetry configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetrySettings {
    /// Where traces go (`<endpoint>/v1/traces`).
    pub traces_url: String,
    /// Where metrics go (`<endpoint>/v1/metrics`).
    pub metrics_url: String,
    /// Extra request headers (credentials for the collector: never logged).
    pub headers: Vec<(String, String)>,
    /// Longest an export may take.
    pub timeout: Duration,
    /// `service.name`.
    pub service_name: String,
    /// Share of new traces recorded, as a threshold out of 2⁶³ ([`ALWAYS`] = every one).
    pub sample_threshold: u64,
    /// Milliseconds between metric exports.
    pub metric_interval_ms: i64,
    /// Spans buffered at most.
    pub max_queue_spans: usize,
    /// How long the first queued spans wait for others before they are sent.
    pub schedule_delay: Duration,
    /// Spans that make a batch worth sending at once.
    pub max_export_batch_spans: usize,
}

impl TelemetrySettings {
    /// Reads the settings; `Ok(None)` when no endpoint is configured. Invalid values are
    /// operator errors ([`PortErrorKind::InvalidInput`](ports::PortErrorKind::InvalidInput)).
    pub async fn load(config: &dyn Config) -> Result<Option<Self>, PortError> {
        let Some(endpoint) = config.var("otel_exporter_otlp_endpoint").await?.filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let endpoint = endpoint.trim().trim_end_matches('/');
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
            || endpoint.parse::<http::Uri>().is_err()
        {
            return Err(PortError::invalid_input("otel_exporter_otlp_endpoint: not an http(s) URL"));
        }
        let headers = match config.secret("otel_exporter_otlp_headers").await? {
            Some(secret) => parse_headers(secret.expose())?,
            None => Vec::new(),
        };
        let count = |name: &'static str, value: Option<String>, default: u64| -> Result<u64, PortError> {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(text) => text
                    .parse::<u64>()
                    .map_err(|_| PortError::invalid_input(format!("{name}: `{text}` is not a whole number"))),
            }
        };
        let timeout_ms = count("otel_exporter_otlp_timeout", config.var("otel_exporter_otlp_timeout").await?, 10_000)?;
        let sample_threshold = match config.var("otel_traces_sampler_arg").await?.as_deref().map(str::trim) {
            None | Some("") => ALWAYS,
            Some(text) => ratio_threshold(text).ok_or_else(|| {
                PortError::invalid_input(format!("otel_traces_sampler_arg: `{text}` is not a ratio from 0 to 1"))
            })?,
        };
        let interval = count("otel_metric_export_interval", config.var("otel_metric_export_interval").await?, 60_000)?;
        let queue = count("otel_bsp_max_queue_size", config.var("otel_bsp_max_queue_size").await?, 2048)?;
        let delay = count("otel_bsp_schedule_delay", config.var("otel_bsp_schedule_delay").await?, 5000)?;
        let batch = count("otel_bsp_max_export_batch_size", config.var("otel_bsp_max_export_batch_size").await?, 512)?;
        Ok(Some(Self {
            traces_url: format!("{endpoint}/v1/traces"),
            metrics_url: format!("{endpoint}/v1/metrics"),
            headers,
            timeout: Duration::from_millis(timeout_ms),
            service_name: config
                .var("otel_service_name")
                .await?
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "orderflow".into()),
            sample_threshold,
            metric_interval_ms: i64::try_from(interval).unwrap_or(i64::MAX),
            max_queue_spans: usize::try_from(queue).unwrap_or(usize::MAX),
            schedule_delay: Duration::from_millis(delay),
            max_export_batch_spans: usize::try_from(batch.max(1)).unwrap_or(usize::MAX),
        }))
    }

    /// Whether a new trace with this id is recorded: the OpenTelemetry `TraceIdRatioBased`
    /// rule (its last 8 bytes, as a number, below `ratio × 2⁶⁴`), so every service that sees the
    /// trace decides alike.
    pub fn samples_new_trace(&self, trace_id: &[u8; 16]) -> bool {
        let mut low = [0; 8];
        low.copy_from_slice(&trace_id[8..]);
        self.sample_threshold >= ALWAYS || (u64::from_be_bytes(low) >> 1) < self.sample_threshold
    }
}

/// The sample threshold of ratio 1: every trace.
pub const ALWAYS: u64 = 1 << 63;

/// `0`, `1`, `0.25`, `1.0`... as a threshold out of 2⁶³, without floating-point parsing (which
/// would add its tables to every wasm binary). At most 18 decimals are read.
fn ratio_threshold(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction = &fraction[..fraction.len().min(18)];
    let numerator: u128 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    let scale = 10u128.pow(fraction.len() as u32);
    match whole {
        0 => Some(u64::try_from(numerator * u128::from(ALWAYS) / scale).ok()?),
        1 if numerator == 0 => Some(ALWAYS),
        _ => None,
    }
}

/// `name=value,name2=value2` (OTLP exporter headers; values may be percent-encoded).
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, PortError> {
    let mut headers = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| PortError::invalid_input("otel_exporter_otlp_headers: expected name=value pairs"))?;
        let name = name.trim().to_ascii_lowercase();
        let value = percent_decode(value.trim());
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() || http::HeaderValue::from_str(&value).is_err() {
            // The value is a credential: the message names neither.
            return Err(PortError::invalid_input("otel_exporter_otlp_headers: an invalid header name or value"));
        }
        headers.push((name, value));
    }
    Ok(headers)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_pairs_with_percent_decoded_values() {
        assert_eq!(
            parse_headers("Authorization=Bearer%20abc, x-team = core").unwrap(),
            vec![("authorization".into(), "Bearer abc".into()), ("x-team".into(), "core".into())]
        );
        assert!(parse_headers("no-equals-sign").is_err());
    }

    #[test]
    fn ratio_sampling_follows_the_trace_ids_low_bytes() {
        let settings = |ratio: &str| TelemetrySettings {
            traces_url: String::new(),
            metrics_url: String::new(),
            headers: Vec::new(),
            timeout: Duration::from_secs(1),
            service_name: "t".into(),
            sample_threshold: ratio_threshold(ratio).unwrap(),
            metric_interval_ms: 1,
            max_queue_spans: 1,
            schedule_delay: Duration::ZERO,
            max_export_batch_spans: 1,
        };
        let low = [0u8; 16];
        let mut high = [0u8; 16];
        high[8] = 0xff;
        assert!(settings("0.5").samples_new_trace(&low));
        assert!(!settings("0.5").samples_new_trace(&high));
        assert!(!settings("0").samples_new_trace(&low));
        assert!(settings("1.0").samples_new_trace(&high));
        assert_eq!(ratio_threshold("0.25"), Some(ALWAYS / 4));
        assert_eq!(ratio_threshold(".5"), Some(ALWAYS / 2));
        for bad in ["1.5", "2", "-0.1", "abc", ".", "0.5e1", ""] {
            assert_eq!(ratio_threshold(bad), None, "{bad}");
        }
    }
}
