//! HTTP settings read from configuration once per instance.

use ports::{Config, PortError};

use crate::middleware::cors::CorsPolicy;
use crate::middleware::deprecation::DeprecationPolicy;

/// Default cap on request bodies: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The pipeline's configuration.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `cors_allowed_origins` | comma-separated exact origins, or `*` | none (no CORS) |
/// | `cors_allow_credentials` | `true` to allow cookies/auth on cross-origin calls | `false` |
/// | `max_body_bytes` | largest accepted request body | 1048576 |
/// | `server_timing` | `true` to add `Server-Timing` (time per kind of port call) | `false` |
/// | `api_deprecation` | `@<unix seconds>`: the old version is deprecated (RFC 9745) | none |
/// | `api_sunset` | HTTP-date when it will stop working (RFC 8594) | none |
/// | `deprecated_api_prefix` / `successor_api_prefix` | the two versions' path prefixes | `/v1/`, `/v2/` |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Cross-origin policy.
    pub cors: CorsPolicy,
    /// Largest accepted request body in bytes (413 above).
    pub max_body_bytes: usize,
    /// Headers announcing the old API version's retirement, if configured.
    pub deprecation: Option<DeprecationPolicy>,
    /// Whether responses carry `Server-Timing` (time spent per kind of port call); off unless
    /// `server_timing` is `true`.
    pub server_timing: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            cors: CorsPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            deprecation: None,
            server_timing: false,
        }
    }
}

impl HttpSettings {
    /// Reads and validates the settings. An invalid value is an operator error reported as
    /// [`PortErrorKind::InvalidInput`](ports::PortErrorKind::InvalidInput), not silently defaulted.
    pub async fn load(config: &dyn Config) -> Result<Self, PortError> {
        let origins = config.var("cors_allowed_origins").await?.unwrap_or_default();
        let credentials = parse_bool("cors_allow_credentials", config.var("cors_allow_credentials").await?)?;
        let max_body_bytes = match config.var("max_body_bytes").await? {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| PortError::invalid_input(format!("max_body_bytes: `{text}` is not a byte count")))?,
        };
        let deprecation = match config.var("api_deprecation").await?.filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(date) => Some(DeprecationPolicy::new(
                config.var("deprecated_api_prefix").await?.unwrap_or_else(|| "/v1/".into()),
                config.var("successor_api_prefix").await?.unwrap_or_else(|| "/v2/".into()),
                date.trim().to_owned(),
                config.var("api_sunset").await?.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            )?),
        };
        let server_timing = parse_bool("server_timing", config.var("server_timing").await?)?.unwrap_or(false);
        Ok(Self {
            cors: CorsPolicy::parse(&origins, credentials.unwrap_or(false))?,
            max_body_bytes,
            deprecation,
            server_timing,
        })
    }
}

fn parse_bool(name: &str, value: Option<String>) -> Result<Option<bool>, PortError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(PortError::invalid_input(format!("{name}: `{other}` is not true/false"))),
    }
}
