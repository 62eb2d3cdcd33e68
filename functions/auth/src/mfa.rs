//! TOTP multi-factor authentication: enrol, confirm (with backup codes), disable, and the
//! second sign-in step.
//!
//! TOTP secrets must be readable to check codes, so they cannot be hashed: they are sealed
//! with ChaCha20-Poly1305 under a key derived from `auth_secret`, bound to the user id, so a
//! database dump alone does not reveal them. Backup codes are stored as SHA-256 and work once.

use http::StatusCode;
use identity::crypto::sha256_hex;
use identity::sealing::Sealer;
use identity::tokens::{ChallengeClaims, MFA_CHALLENGE_TYPE, challenge_audience, issue, registered, verify};
use identity::{Principal, authenticate, stored_roles};
use serde::{Deserialize, Serialize};
use web::ports::random::random_array;
use web::ports::sql::Statement;
use web::ports::{Platform, Random};
use web::{Json, Problem, Request, Response};

use crate::config::AuthConfig;
use crate::throttle::Attempt;
use crate::totp::{base32, matching_step};
use crate::{grant_error, passwords, sessions};

/// Bytes of a TOTP secret (160 bits, RFC 4226's recommendation).
const SECRET_BYTES: usize = 20;
/// Backup codes issued on confirmation.
const BACKUP_CODES: usize = 10;
/// Issuer shown in authenticator apps.
const ISSUER: &str = "OrderFlow";
/// Wrong authenticator codes in a row at sign-in after which codes are refused until a backup
/// code signs in. The sign-in throttles only slow guessing down (an attacker with the password
/// and many addresses keeps guessing); this caps it, as NIST SP 800-63B §5.2.2 asks (≤ 100).
/// Networks that completed sign-in to the account in the last 30 days are neither counted nor
/// refused, like the per-account throttle.
const MAX_CODE_FAILURES: i64 = 20;

/// `POST /v1/auth/mfa/totp/enroll` response.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    /// The secret in base32, for manual entry.
    pub secret: String,
    /// `otpauth://` URI for QR codes.
    pub otpauth_uri: String,
}

/// `POST /v1/auth/mfa/totp/enroll`: a new pending secret (MFA stays off until confirmed).
pub async fn enroll(request: Request) -> Result<Json<Enrolment>, Problem> {
    let principal = session_principal(&request).await?;
    let platform = request.platform();
    let config = AuthConfig::load(&*platform.config).await?;
    let secret = random_array::<SECRET_BYTES>(&*platform.random)?;
    let sealed = seal(&config, &principal.user_id, &secret, &*platform.random)?;
    let row = platform
        .sql
        .query_optional(
            &Statement::new(
                "UPDATE users SET mfa_pending_secret = ?2, updated_at = ?3 WHERE id = ?1 AND mfa_enabled = 0 RETURNING email",
            )
            .bind(principal.user_id.as_str())
            .bind(sealed)
            .bind(platform.clock.now_millis()),
        )
        .await?
        .ok_or_else(already_enabled)?;
    let email: String = row.get("email")?;
    let secret = base32(&secret);
    let otpauth_uri = format!(
        "otpauth://totp/{ISSUER}:{}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits=6&period=30",
        percent_encode(&email)
    );
    Ok(Json(Enrolment { secret, otpauth_uri }))
}

/// `POST /v1/auth/mfa/totp/confirm` body: a code from the new authenticator, and the account
/// password (turning MFA on with a stolen access token alone would lock the owner out).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmBody {
    /// The 6-digit code.
    #[cfg_attr(feature = "openapi", schema(example = "123456"))]
    pub code: String,
    /// The account password.
    pub password: String,
}

/// `POST /v1/auth/mfa/totp/confirm` response: backup codes, shown this once.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Confirmation {
    /// Single-use codes for when the authenticator is lost.
    pub backup_codes: Vec<String>,
}

/// `POST /v1/auth/mfa/totp/confirm`: proves the password and the authenticator, turns MFA on,
/// and ends the user's other sessions.
pub async fn confirm(request: Request) -> Result<Json<Confirmation>, Problem> {
    let principal = session_principal(&request).await?;
    let body: ConfirmBody = request.json()?;
    let platform = request.platform();
    let config = AuthConfig::load(&*platform.config).await?;
    let row = platform
        .sql
        .query_optional(
            &Statement::new("SELECT password_hash, mfa_pending_secret, mfa_enabled FROM users WHERE id = ?1")
                .bind(principal.user_id.as_str()),
        )
        .await?
        .ok_or_else(Problem::not_found)?;
    if row.get::<bool>("mfa_enabled")? {
        return Err(already_enabled());
    }
    let sealed: String = row.get::<Option<String>>("mfa_pending_secret")?.ok_or_else(|| {
        Problem::new(StatusCode::CONFLICT, "mfa_not_enrolled", "No enrolment pending")
            .with_detail("Call POST /v1/auth/mfa/totp/enroll first.")
    })?;
    let attempt = reauthentication(&request, &principal);
    attempt.begin(&*platform.sql, platform.clock.now_millis()).await?;
    if !passwords::verify(&body.password, &row.get::<String>("password_hash")?) {
        attempt.failed(&*platform.sql, platform.clock.now_millis()).await?;
        return Err(Problem::bad_request("invalid_password", "The password is wrong."));
    }
    let secret = open(&config, &principal.user_id, &sealed)?;
    let Some(step) = matching_step(&secret, &body.code, platform.clock.now_seconds(), 0) else {
        attempt.failed(&*platform.sql, platform.clock.now_millis()).await?;
        return Err(invalid_code());
    };
    attempt.succeeded(&*platform.sql, platform.clock.now_millis()).await?;

    let codes = backup_codes(&*platform.random)?;
    let now = platform.clock.now_millis();
    let user_id = principal.user_id.as_str();
    // One atomic batch, guarded by the state the code was checked against: MFA off and this very
    // pending secret (not one a concurrent enrol put there). Every statement tests that guard and
    // the UPDATE that ends it comes last, so a concurrent confirm that commits first turns this
    // whole batch into no-ops, however close in time the two are.
    let unchanged = "EXISTS (SELECT 1 FROM users WHERE id = ?1 AND mfa_enabled = 0 AND mfa_pending_secret = ?2)";
    let guarded = |sql: String| Statement::new(sql).bind(user_id).bind(sealed.as_str());
    let mut batch = vec![guarded(format!("DELETE FROM mfa_backup_codes WHERE user_id = ?1 AND {unchanged}"))];
    batch.extend(codes.iter().map(|code| {
        guarded(format!("INSERT INTO mfa_backup_codes (user_id, code_hash) SELECT ?1, ?3 WHERE {unchanged}"))
            .bind(backup_code_hash(user_id, code))
    }));
    // Sessions that signed in with the password alone end: from now on sign-in needs the code.
    batch.push(
        guarded(format!(
            "UPDATE sessions SET revoked_at = ?3, revoked_reason = 'mfa_enabled' \
             WHERE user_id = ?1 AND id <> ?4 AND revoked_at IS NULL AND {unchanged}"
        ))
        .bind(now)
        .bind(principal.session_id().unwrap_or_default()),
    );
    batch.push(
        guarded(
            "UPDATE users SET mfa_enabled = 1, mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, \
             mfa_last_step = ?3, mfa_code_failures = 0, updated_at = ?4 \
             WHERE id = ?1 AND mfa_enabled = 0 AND mfa_pending_secret = ?2"
                .to_owned(),
        )
        .bind(step)
        .bind(now),
    );
    let results = platform.sql.batch(&batch).await?;
    if results.last().is_none_or(|enabled| enabled.rows_affected == 0) {
        return Err(Problem::new(StatusCode::CONFLICT, "mfa_changed", "MFA changed meanwhile").with_detail(
            "MFA was enabled or re-enrolled by another request; check its state and enrol again if needed.",
        ));
    }
    Ok(Json(Confirmation { backup_codes: codes }))
}

/// The throttle on proving the password or a code again while signed in (confirming or
/// disabling MFA): a stolen access token must not buy unlimited guesses.
fn reauthentication(request: &Request, principal: &Principal) -> Attempt {
    Attempt::new(&format!("reauth:{}", principal.user_id), request.client_network().as_deref())
}

/// `POST /v1/auth/mfa/totp/disable` body: a current code or the password.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisableBody {
    /// A TOTP code.
    pub code: Option<String>,
    /// The account password.
    pub password: Option<String>,
}

/// `POST /v1/auth/mfa/totp/disable`: turns MFA off and drops the backup codes.
pub async fn disable(request: Request) -> Result<Response, Problem> {
    let principal = session_principal(&request).await?;
    let body: DisableBody = request.json()?;
    let platform = request.platform();
    let config = AuthConfig::load(&*platform.config).await?;
    let row = platform
        .sql
        .query_optional(
            &Statement::new("SELECT password_hash, mfa_enabled, mfa_secret, mfa_last_step FROM users WHERE id = ?1")
                .bind(principal.user_id.as_str()),
        )
        .await?
        .ok_or_else(Problem::not_found)?;
    if !row.get::<bool>("mfa_enabled")? {
        return Err(Problem::new(StatusCode::CONFLICT, "mfa_not_enabled", "MFA is not enabled"));
    }
    let attempt = reauthentication(&request, &principal);
    attempt.begin(&*platform.sql, platform.clock.now_millis()).await?;
    let proven = match (&body.code, &body.password) {
        (Some(code), None) => {
            let secret = open(&config, &principal.user_id, &row.get::<String>("mfa_secret")?)?;
            let last = row.get::<i64>("mfa_last_step")?;
            match matching_step(&secret, code, platform.clock.now_seconds(), last) {
                Some(step) => claim_step(platform, &principal.user_id, step).await?,
                None => false,
            }
        }
        (None, Some(password)) => passwords::verify(password, &row.get::<String>("password_hash")?),
        _ => return Err(Problem::unprocessable("invalid_body", "Send exactly one of `code` or `password`.")),
    };
    if !proven {
        attempt.failed(&*platform.sql, platform.clock.now_millis()).await?;
        return Err(invalid_code());
    }
    attempt.succeeded(&*platform.sql, platform.clock.now_millis()).await?;
    platform
        .sql
        .batch(&[
            Statement::new(
                "UPDATE users SET mfa_enabled = 0, mfa_secret = NULL, mfa_pending_secret = NULL, mfa_code_failures = 0, \
                 updated_at = ?2 WHERE id = ?1",
            )
            .bind(principal.user_id.as_str())
            .bind(platform.clock.now_millis()),
            Statement::new("DELETE FROM mfa_backup_codes WHERE user_id = ?1").bind(principal.user_id.as_str()),
        ])
        .await?;
    Ok(web::empty_response(StatusCode::NO_CONTENT))
}

/// The 403 a password sign-in gets when MFA is on, carrying the challenge token.
pub fn challenge(platform: &Platform, config: &AuthConfig, user_id: &str) -> Result<Problem, Problem> {
    let settings = &config.tokens;
    let claims =
        ChallengeClaims { registered: registered(settings, challenge_audience(settings), user_id, &*platform.random)? };
    let token = issue(settings, MFA_CHALLENGE_TYPE, claims, platform.clock.now_seconds(), config.mfa_challenge_ttl)?;
    Ok(Problem::new(StatusCode::FORBIDDEN, "mfa_required", "Second factor required")
        .with_detail("Complete sign-in with POST /v1/auth/mfa/verify and a TOTP or backup code.")
        .with_extension("error", "mfa_required")
        .with_extension("mfa_token", token)
        .with_extension("mfa_token_expires_in", config.mfa_challenge_ttl))
}

/// `POST /v1/auth/mfa/verify` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyBody {
    /// The challenge token from the 403 `mfa_required` answer.
    pub mfa_token: String,
    /// A TOTP code…
    pub code: Option<String>,
    /// …or a backup code.
    pub backup_code: Option<String>,
}

/// `POST /v1/auth/mfa/verify`: the second step; answers like the token endpoint.
pub async fn verify_challenge(request: Request) -> Result<Response, Problem> {
    let body: VerifyBody = request.json()?;
    let platform = request.platform();
    let config = AuthConfig::load(&*platform.config).await?;
    let settings = &config.tokens;
    let claims: ChallengeClaims = verify(
        settings,
        MFA_CHALLENGE_TYPE,
        &challenge_audience(settings),
        &body.mfa_token,
        platform.clock.now_seconds(),
    )
    .map_err(|e| grant_error("invalid_grant", "The MFA token is invalid or expired.").with_cause(e.as_str()))?;
    let user_id = claims.registered.sub;
    let attempt = Attempt::new(&format!("mfa:{user_id}"), request.client_network().as_deref());
    let now = platform.clock.now_millis();
    attempt.begin(&*platform.sql, now).await?;

    let row = platform
        .sql
        .query_optional(
            &Statement::new("SELECT roles, mfa_enabled, mfa_secret, mfa_last_step FROM users WHERE id = ?1")
                .bind(user_id.as_str()),
        )
        .await?
        .ok_or_else(|| grant_error("invalid_grant", "The MFA token is invalid or expired."))?;
    if !row.get::<bool>("mfa_enabled")? {
        return Err(grant_error("invalid_grant", "MFA is no longer enabled; sign in again."));
    }
    // Codes from the owner's usual networks are neither counted against the cap nor refused by
    // it, so someone who has the password cannot lock the owner out (or make them spend their
    // backup codes); nor does their success lift a lock others caused.
    let spared = body.code.is_some() && attempt.is_from_trusted_network(&*platform.sql, now).await?;
    let passed = match (&body.code, &body.backup_code) {
        (Some(code), None) => {
            if !spared {
                count_code_try(&request, &user_id).await?;
            }
            let secret = open(&config, &user_id, &row.get::<String>("mfa_secret")?)?;
            match matching_step(&secret, code, platform.clock.now_seconds(), row.get("mfa_last_step")?) {
                Some(step) => claim_step(platform, &user_id, step).await?,
                None => false,
            }
        }
        (None, Some(code)) => use_backup_code(platform, &user_id, code, now).await?,
        _ => return Err(Problem::unprocessable("invalid_body", "Send exactly one of `code` or `backup_code`.")),
    };
    if !passed {
        attempt.failed(&*platform.sql, now).await?;
        return Err(invalid_code());
    }
    attempt.succeeded(&*platform.sql, platform.clock.now_millis()).await?;
    if !spared {
        platform
            .sql
            .run(&Statement::new("UPDATE users SET mfa_code_failures = 0 WHERE id = ?1").bind(user_id.as_str()))
            .await?;
    }
    let roles = stored_roles(&row.get::<String>("roles")?)?;
    let tokens = sessions::start(platform, &config, &user_id, &roles, sessions::Proof::SecondFactor)
        .await?
        // Only an account deleted since the challenge leaves nothing to start a session for.
        .ok_or_else(|| grant_error("invalid_grant", "The account no longer exists."))?;
    crate::token::token_response(&tokens)
}

/// Counts a code try against the account before the code is checked (a success resets the
/// count), so however many tries arrive at once, no more than [`MAX_CODE_FAILURES`] in a row
/// are ever checked; past that, refuses them until a backup code signs in.
async fn count_code_try(request: &Request, user_id: &str) -> Result<(), Problem> {
    let counted = request
        .platform()
        .sql
        .run(
            &Statement::new(
                "UPDATE users SET mfa_code_failures = mfa_code_failures + 1 WHERE id = ?1 AND mfa_code_failures < ?2",
            )
            .bind(user_id)
            .bind(MAX_CODE_FAILURES),
        )
        .await?;
    if counted.rows_affected == 1 {
        return Ok(());
    }
    sessions::security_event(request, "mfa_code_locked", user_id, None);
    Err(Problem::new(StatusCode::FORBIDDEN, "mfa_code_locked", "Authenticator codes locked").with_detail(format!(
        "{MAX_CODE_FAILURES} wrong codes in a row: sign in with a backup code, which unlocks codes again."
    )))
}

/// Records `step` as used, atomically: only one request can use a step.
async fn claim_step(platform: &Platform, user_id: &str, step: i64) -> Result<bool, Problem> {
    let result = platform
        .sql
        .run(
            &Statement::new("UPDATE users SET mfa_last_step = ?2 WHERE id = ?1 AND mfa_last_step < ?2")
                .bind(user_id)
                .bind(step),
        )
        .await?;
    Ok(result.rows_affected == 1)
}

async fn use_backup_code(platform: &Platform, user_id: &str, code: &str, now: i64) -> Result<bool, Problem> {
    let result = platform
        .sql
        .run(
            &Statement::new(
                "UPDATE mfa_backup_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(backup_code_hash(user_id, code))
            .bind(now),
        )
        .await?;
    Ok(result.rows_affected == 1)
}

/// MFA changes need a signed-in session, not an API key.
async fn session_principal(request: &Request) -> Result<Principal, Problem> {
    let principal = authenticate(request).await?;
    if principal.session_id().is_none() {
        return Err(Problem::new(StatusCode::FORBIDDEN, "session_required", "Session required")
            .with_detail("MFA settings can only be changed with an access token, not an API key."));
    }
    Ok(principal)
}

fn backup_codes(random: &dyn Random) -> Result<Vec<String>, Problem> {
    (0..BACKUP_CODES)
        .map(|_| {
            let symbols = base32(&random_array::<8>(random)?);
            Ok(format!("{}-{}", &symbols[..5], &symbols[5..10]))
        })
        .collect()
}

/// Backup codes are compared ignoring case, spaces and dashes, hashed with the user id.
fn backup_code_hash(user_id: &str, code: &str) -> String {
    let normalized: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    sha256_hex(format!("{user_id}:{normalized}").as_bytes())
}

/// The TOTP secrets' sealer (bound to the user id).
fn sealer(config: &AuthConfig) -> Sealer {
    Sealer::new(config.derive_key("mfa-secret-seal"))
}

fn seal(config: &AuthConfig, user_id: &str, secret: &[u8], random: &dyn Random) -> Result<String, Problem> {
    sealer(config).seal(user_id, secret, random)
}

fn open(config: &AuthConfig, user_id: &str, sealed: &str) -> Result<Vec<u8>, Problem> {
    sealer(config).open(user_id, sealed)
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn already_enabled() -> Problem {
    Problem::new(StatusCode::CONFLICT, "mfa_already_enabled", "MFA already enabled")
        .with_detail("Disable MFA first to enrol a new authenticator.")
}

fn invalid_code() -> Problem {
    Problem::bad_request("invalid_mfa_code", "The code is wrong, expired or already used.")
        .with_extension("error", "invalid_grant")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_codes_normalise_before_hashing() {
        assert_eq!(backup_code_hash("u", "abcde-fghij"), backup_code_hash("u", "ABCDE FGHIJ"));
        assert_ne!(backup_code_hash("u", "ABCDEFGHIJ"), backup_code_hash("v", "ABCDEFGHIJ"));
    }

    #[test]
    fn labels_are_percent_encoded() {
        assert_eq!(percent_encode("a.b+c@d.e"), "a.b%2Bc%40d.e");
    }
}
