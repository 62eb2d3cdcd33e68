//! Token settings every function needs to verify (and the auth function to issue) tokens.

use std::cell::RefCell;
use std::rc::Rc;

use ports::Config;
use web::Problem;

use crate::keys::SigningKeys;

/// Access tokens live 15 minutes unless configured otherwise.
pub const DEFAULT_ACCESS_TTL_SECONDS: i64 = 15 * 60;
/// Clock skew tolerated on `exp`/`nbf`.
pub const DEFAULT_LEEWAY_SECONDS: i64 = 30;

/// Issuer, audience, lifetimes and keys.
///
/// | variable / secret | default |
/// |---|---|
/// | `jwt_issuer` | `orderflow` |
/// | `jwt_audience` | `orderflow-api` |
/// | `access_token_ttl_seconds` | 900 |
/// | `jwt_leeway_seconds` | 30 |
/// | `jwt_signing_keys` (secret) | required: `kid:base64url-seed[,kid:seed...]` |
#[derive(Clone)]
pub struct TokenSettings {
    /// `iss` of issued tokens, required on verified ones.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime in seconds.
    pub access_ttl: i64,
    /// Tolerated clock skew in seconds.
    pub leeway: i64,
    /// The Ed25519 keys.
    pub keys: Rc<SigningKeys>,
}

thread_local! {
    /// Parsed keys by their secret text: deriving public keys costs a scalar multiplication
    /// each, so an instance does it once (and again only if the secret changes).
    static KEY_CACHE: RefCell<Option<(String, Rc<SigningKeys>)>> = const { RefCell::new(None) };
}

impl TokenSettings {
    /// Reads the settings. A missing or malformed key secret is a deployment error: 500, logged.
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        let secret = config
            .secret("jwt_signing_keys")
            .await?
            .ok_or_else(|| Problem::internal("secret jwt_signing_keys is not configured"))?;
        let keys = cached_keys(secret.expose())?;
        Ok(Self {
            issuer: var_or(config, "jwt_issuer", "orderflow").await?,
            audience: var_or(config, "jwt_audience", "orderflow-api").await?,
            access_ttl: seconds(config, "access_token_ttl_seconds", DEFAULT_ACCESS_TTL_SECONDS).await?,
            leeway: seconds(config, "jwt_leeway_seconds", DEFAULT_LEEWAY_SECONDS).await?,
            keys,
        })
    }
}

fn cached_keys(secret: &str) -> Result<Rc<SigningKeys>, Problem> {
    if let Some(keys) =
        KEY_CACHE.with_borrow(|cache| cache.as_ref().filter(|(s, _)| s == secret).map(|(_, k)| k.clone()))
    {
        return Ok(keys);
    }
    let keys =
        Rc::new(SigningKeys::parse(secret).map_err(|e| Problem::internal(format!("secret jwt_signing_keys: {e}")))?);
    KEY_CACHE.set(Some((secret.to_owned(), keys.clone())));
    Ok(keys)
}

/// A setting being read (boxed behind `#[inline(never)]`: one copy for every calling crate).
pub type Reading<'a, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, Problem>> + 'a>>;

/// A text variable with a default.
#[inline(never)]
pub fn var_or<'a>(config: &'a dyn Config, name: &'a str, default: &'a str) -> Reading<'a, String> {
    Box::pin(async move {
        Ok(config.var(name).await?.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned()))
    })
}

/// The longest duration a setting may name: ten years (so `now + seconds × 1000` cannot overflow).
pub const MAX_SECONDS: i64 = 10 * 366 * 24 * 3600;

/// A number of seconds from 1 to [`MAX_SECONDS`] with a default; anything else is a deployment
/// error.
#[inline(never)]
pub fn seconds<'a>(config: &'a dyn Config, name: &'a str, default: i64) -> Reading<'a, i64> {
    Box::pin(async move {
        match config.var(name).await? {
            None => Ok(default),
            Some(text) => text.trim().parse::<i64>().ok().filter(|v| (1..=MAX_SECONDS).contains(v)).ok_or_else(|| {
                Problem::internal(format!("{name}: `{text}` is not a number of seconds from 1 to {MAX_SECONDS}"))
            }),
        }
    })
}

/// A number of milliseconds within `range`, with a default; anything else is a deployment
/// error (500 naming the setting).
#[inline(never)]
pub fn millis<'a>(
    config: &'a dyn Config,
    name: &'a str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Reading<'a, std::time::Duration> {
    Box::pin(async move {
        let Some(text) = config.var(name).await? else { return Ok(std::time::Duration::from_millis(default)) };
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| range.contains(ms))
            .map(std::time::Duration::from_millis)
            .ok_or_else(|| {
                Problem::internal(format!(
                    "{name}: `{text}` is not a number of milliseconds from {} to {}",
                    range.start(),
                    range.end()
                ))
            })
    })
}

#[cfg(test)]
mod tests {
    use adapter_native::MapConfig;

    use super::*;

    #[tokio::test]
    async fn durations_are_bounded_so_time_arithmetic_cannot_overflow() {
        let config = MapConfig::default();
        assert_eq!(seconds(&config, "ttl", 900).await.unwrap(), 900, "unset: the default");
        for (text, ok) in
            [("60", true), ("315576000", true), ("0", false), ("-5", false), ("9223372036854775807", false)]
        {
            config.set_var("ttl", text);
            assert_eq!(seconds(&config, "ttl", 900).await.is_ok(), ok, "{text}");
        }
    }
}
