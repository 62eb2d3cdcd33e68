//! Access tokens from an external OpenID Connect issuer (RS256 or ES256).
//!
//! Enabled by `oidc_issuer`. Keys come from the issuer's JWKS (`oidc_jwks_url`), fetched through
//! the outbound-HTTP port and cached in memory and KV for `oidc_jwks_ttl_seconds`. A token whose
//! `kid` is not in the cached set triggers a refetch, at most once per
//! `oidc_refetch_interval_seconds` (so a stream of bogus kids cannot hammer the issuer). The
//! algorithm must be RS256 or ES256 *and* match the key's type; `iss` and `aud` must match; key
//! hints in the header (`jku`, `jwk`, `x5u`, `x5c`) are refused as for our own tokens. RSA keys
//! under 2048 bits are refused.
//!
//! External callers get the roles in `oidc_roles` (default `customer`) and the user id
//! `oidc:<sub>`.

use std::cell::RefCell;
use std::time::Duration;

use bytes::Bytes;
use jwt_compact::alg::{Es256, Rsa, RsaPublicKey};
use jwt_compact::jwk::JsonWebKey;
use ports::{Platform, PortError};
use serde::Deserialize;
use web::Problem;

use crate::crypto::sha256_hex;
use crate::keys::is_valid_kid;
use crate::permissions::{Role, parse_list};
use crate::settings::{seconds, var_or};
use crate::tokens::{TokenError, check_header, parse, verify_signature_and_time};

/// The external issuer's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud` (one of the token's audiences).
    pub audience: String,
    /// Where the issuer publishes its keys.
    pub jwks_url: String,
    /// Roles external callers get.
    pub roles: Vec<Role>,
    /// How long a fetched key set is trusted (ms).
    pub jwks_ttl_ms: i64,
    /// Minimum time between two fetches triggered by unknown kids (ms).
    pub refetch_interval_ms: i64,
    /// Clock skew tolerated on `exp`/`nbf` (s).
    pub leeway: i64,
}

impl OidcSettings {
    /// The settings, or `None` when no external issuer is configured.
    pub async fn load(config: &dyn ports::Config) -> Result<Option<Self>, Problem> {
        let issuer = var_or(config, "oidc_issuer", "").await?;
        if issuer.is_empty() {
            return Ok(None);
        }
        let roles = parse_list(&var_or(config, "oidc_roles", "customer").await?)
            .map_err(|e| Problem::internal(format!("oidc_roles: {e}")))?;
        Ok(Some(Self {
            audience: var_or(config, "oidc_audience", "").await?,
            jwks_url: var_or(
                config,
                "oidc_jwks_url",
                &format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')),
            )
            .await?,
            roles,
            jwks_ttl_ms: seconds(config, "oidc_jwks_ttl_seconds", 3600).await? * 1000,
            refetch_interval_ms: seconds(config, "oidc_refetch_interval_seconds", 60).await? * 1000,
            leeway: seconds(config, "jwt_leeway_seconds", 30).await?,
            issuer,
        }))
    }
}

/// Claims read from an external token.
#[derive(Debug, Clone, Deserialize)]
pub struct ExternalClaims {
    /// Issuer.
    pub iss: String,
    /// Subject.
    pub sub: String,
    /// One audience or several.
    pub aud: Audience,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(one) => one == wanted,
            Audience::Many(many) => many.iter().any(|a| a == wanted),
        }
    }
}

/// Whether `token` claims an algorithm an external issuer uses (so it is routed here).
pub fn is_external_algorithm(token: &str) -> bool {
    parse(token).is_ok_and(|t| matches!(t.algorithm(), "RS256" | "ES256"))
}

/// Why an external token was not accepted.
#[derive(Debug)]
pub enum ExternalError {
    /// The token is not acceptable (401); the reason is for logs.
    Refused(TokenError),
    /// The issuer's keys could not be fetched and none are cached (503).
    Unavailable(PortError),
}

impl From<TokenError> for ExternalError {
    fn from(error: TokenError) -> Self {
        ExternalError::Refused(error)
    }
}

/// Verifies an external token.
pub async fn verify(
    platform: &Platform,
    settings: &OidcSettings,
    token: &str,
) -> Result<ExternalClaims, ExternalError> {
    let untrusted = parse(token)?;
    let algorithm = untrusted.algorithm().to_owned();
    if !matches!(algorithm.as_str(), "RS256" | "ES256") {
        return Err(TokenError::Algorithm.into());
    }
    check_header(&untrusted, &algorithm, None)?;
    let kid = untrusted.header().key_id.as_deref().filter(|k| is_valid_kid(k)).ok_or(TokenError::UnknownKey)?;
    let key = key(platform, settings, kid).await.map_err(ExternalError::Unavailable)?.ok_or(TokenError::UnknownKey)?;
    let now = platform.clock.now_seconds();
    let claims: ExternalClaims = match (algorithm.as_str(), &key) {
        ("RS256", IssuerKey::Rsa(key)) => {
            verify_signature_and_time(&Rsa::rs256(), key, &untrusted, now, settings.leeway)?
        }
        ("ES256", IssuerKey::P256(key)) => verify_signature_and_time(&Es256, key, &untrusted, now, settings.leeway)?,
        // The header's algorithm does not fit the key's type: a confusion attempt.
        _ => return Err(TokenError::Algorithm.into()),
    };
    if claims.iss != settings.issuer {
        return Err(TokenError::Issuer.into());
    }
    if !claims.aud.contains(&settings.audience) {
        return Err(TokenError::Audience.into());
    }
    Ok(claims)
}

/// A verification key of the issuer.
#[derive(Clone)]
enum IssuerKey {
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

#[derive(Default)]
struct KeyCache {
    url: String,
    keys: Vec<(String, IssuerKey)>,
    fetched_at: Option<i64>,
    last_attempt: Option<i64>,
}

thread_local! {
    static CACHE: RefCell<KeyCache> = RefCell::new(KeyCache::default());
}

/// The key `kid`: from memory, then KV, then (at most once per interval) the issuer.
/// `Ok(None)` when the issuer's current set lacks it; an error when no current set can be had.
async fn key(platform: &Platform, settings: &OidcSettings, kid: &str) -> Result<Option<IssuerKey>, PortError> {
    let now = platform.clock.now_millis();
    let lookup = |cache: &KeyCache| cache.keys.iter().find(|(id, _)| id == kid).map(|(_, key)| key.clone());
    let fresh = |cache: &KeyCache| {
        cache.url == settings.jwks_url && cache.fetched_at.is_some_and(|at| now - at < settings.jwks_ttl_ms)
    };
    if let Some(key) = CACHE.with_borrow(|c| fresh(c).then(|| lookup(c)).flatten()) {
        return Ok(Some(key));
    }
    let kv_key = format!("oidc:jwks:{}", &sha256_hex(settings.jwks_url.as_bytes())[..16]);
    if !CACHE.with_borrow(|c| fresh(c))
        && let Ok(Some(stored)) = platform.kv.get(&kv_key).await
        && stored.len() > 8
    {
        let fetched_at = i64::from_be_bytes(stored[..8].try_into().unwrap_or([0; 8]));
        if now - fetched_at < settings.jwks_ttl_ms {
            install(settings, parse_jwks(&stored[8..]), fetched_at);
            if let Some(key) = CACHE.with_borrow(|c| lookup(c)) {
                return Ok(Some(key));
            }
        }
    }
    let may_fetch = CACHE.with_borrow(|c| {
        c.url != settings.jwks_url || c.last_attempt.is_none_or(|at| now - at >= settings.refetch_interval_ms)
    });
    if !may_fetch {
        return if CACHE.with_borrow(|c| fresh(c)) {
            Ok(None)
        } else {
            Err(PortError::unavailable("the issuer's keys are unavailable (recent fetch failed)"))
        };
    }
    CACHE.with_borrow_mut(|c| {
        if c.url != settings.jwks_url {
            *c = KeyCache { url: settings.jwks_url.clone(), ..KeyCache::default() };
        }
        c.last_attempt = Some(now);
    });
    let body = fetch(platform, &settings.jwks_url).await?;
    install(settings, parse_jwks(&body), now);
    let mut stored = now.to_be_bytes().to_vec();
    stored.extend_from_slice(&body);
    let ttl = Duration::from_millis(u64::try_from(settings.jwks_ttl_ms).unwrap_or(3_600_000));
    let _ = platform.kv.put(&kv_key, &stored, Some(ttl)).await;
    Ok(CACHE.with_borrow(|c| lookup(c)))
}

fn install(settings: &OidcSettings, keys: Vec<(String, IssuerKey)>, fetched_at: i64) {
    CACHE.with_borrow_mut(|cache| {
        let last_attempt = if cache.url == settings.jwks_url { cache.last_attempt } else { None };
        *cache = KeyCache { url: settings.jwks_url.clone(), keys, fetched_at: Some(fetched_at), last_attempt };
    });
}

async fn fetch(platform: &Platform, url: &str) -> Result<Vec<u8>, PortError> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Bytes::new())
        .map_err(|e| PortError::invalid_input(format!("oidc_jwks_url: {e}")))?;
    let response = platform.http.send(request).await?;
    if !response.status().is_success() {
        return Err(PortError::unavailable(format!("JWKS {url}: status {}", response.status())));
    }
    Ok(response.into_body().to_vec())
}

/// The usable keys of a JWK Set: RSA (≥ 2048 bits) and P-256 keys with a valid `kid`.
fn parse_jwks(body: &[u8]) -> Vec<(String, IssuerKey)> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let Ok(set) = serde_json::from_slice::<Set>(body) else { return Vec::new() };
    set.keys
        .into_iter()
        .filter_map(|value| {
            let kid = value.get("kid")?.as_str().filter(|k| is_valid_kid(k))?.to_owned();
            let jwk: JsonWebKey<'_> = serde_json::from_value(value).ok()?;
            let key = if let Ok(key) = RsaPublicKey::try_from(&jwk) {
                use rsa::traits::PublicKeyParts;
                (key.n().bits() >= 2048).then_some(IssuerKey::Rsa(key))?
            } else {
                IssuerKey::P256(p256::ecdsa::VerifyingKey::try_from(&jwk).ok()?)
            };
            Some((kid, key))
        })
        .collect()
}

/// Forgets cached keys (tests).
pub fn clear_cache() {
    CACHE.with_borrow_mut(|c| *c = KeyCache::default());
}
