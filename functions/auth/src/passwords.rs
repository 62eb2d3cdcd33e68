//! Password policy and hashing.
//!
//! Hashing is argon2id (RustCrypto `argon2`) with OWASP's baseline parameters, m = 19 MiB,
//! t = 2, p = 1, stored as PHC strings so parameters can be raised later: a login with an
//! older-parameter hash is re-hashed on success. Measured CPU time per hash: ≈23 ms native,
//! ≈33 ms in wasm under V8 (opt-level z) — above the Workers Free plan's 10 ms CPU budget,
//! well inside the paid plan's.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use web::Problem;
use web::ports::{Random, random::random_array};

/// Minimum length in characters.
pub const MIN_CHARS: usize = 12;
/// Maximum length in characters (hashing cost must not be an attacker's lever).
pub const MAX_CHARS: usize = 128;

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 19_456;
/// Iterations.
pub const ITERATIONS: u32 = 2;
/// Parallelism.
pub const PARALLELISM: u32 = 1;

const COMMON: &str = include_str!("common-passwords.txt");

fn hasher() -> Argon2<'static> {
    // The constants are valid parameters; `Params::new` only fails outside argon2's ranges.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the policy: 12–128 characters, not a common password, not built from the email,
/// not a single repeated character. A violation is a 422 naming the rule.
pub fn check_policy(password: &str, email: &str) -> Result<(), Problem> {
    let chars = password.chars().count();
    let weak = |detail: &str| Problem::unprocessable("weak_password", detail.to_owned());
    if chars < MIN_CHARS {
        return Err(weak("Passwords need at least 12 characters."));
    }
    if chars > MAX_CHARS {
        return Err(weak("Passwords may have at most 128 characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().filter(|l| !l.starts_with('#')).any(|common| common == lower) {
        return Err(weak("This password appears in lists of breached passwords; choose another."));
    }
    let local_part = email.split('@').next().unwrap_or_default();
    if local_part.len() >= 4 && lower.contains(local_part) {
        return Err(weak("Passwords may not contain the email address."));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(weak("Passwords need at least 4 different characters."));
    }
    Ok(())
}

/// Hashes `password` with a fresh random salt into a PHC string.
pub fn hash(password: &str, random: &dyn Random) -> Result<String, Problem> {
    let salt = random_array::<16>(random)?;
    hasher()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Problem::internal(format!("argon2 hash: {e}")))
}

/// Whether `password` matches the stored PHC string (constant-time comparison inside argon2).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| hasher().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Whether a stored hash uses other parameters than today's and should be replaced.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return true };
    let Ok(params) = Params::try_from(&hash) else { return true };
    hash.algorithm.as_str() != "argon2id"
        || hash.version != Some(0x13)
        || (params.m_cost(), params.t_cost(), params.p_cost()) != (MEMORY_KIB, ITERATIONS, PARALLELISM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use web::ports::random::SystemRandom;

    #[test]
    fn hashes_verify_and_carry_their_parameters() {
        let stored = hash("correct horse battery", &SystemRandom).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterx", &stored));
        assert!(!verify("anything", "not a phc string"));
        assert!(!needs_rehash(&stored));
        let weaker = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap())
            .hash_password_with_salt(b"pw", &[1u8; 16])
            .unwrap()
            .to_string();
        assert!(needs_rehash(&weaker));
        assert!(verify("pw", &weaker), "old parameters still verify, so rehash-on-login works");
    }

    #[test]
    fn policy() {
        assert!(check_policy("a sound passphrase", "x@y.z").is_ok());
        for (password, email) in [
            ("short1!", "x@y.z"),
            ("Password1234", "x@y.z"),
            ("QWERTYUIOP123", "x@y.z"),
            ("aaaaaaaaaaaaaaa", "x@y.z"),
            ("ababababababab", "x@y.z"),
            ("john.smith-secret", "john.smith@example.com"),
        ] {
            let problem = check_policy(password, email).unwrap_err();
            assert_eq!(problem.code(), "weak_password", "{password}");
        }
        assert!(check_policy(&"x1y2z3w4".repeat(17), "a@b.c").is_err(), "over 128 characters");
    }
}
