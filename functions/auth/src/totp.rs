//! TOTP (RFC 6238) over HOTP (RFC 4226), on RustCrypto's HMAC.
//!
//! The one-time-password arithmetic is the RFC's dynamic truncation (a dozen lines), written
//! here over `hmac` + `sha1`/`sha2` from the same RustCrypto generation the JWT code already
//! links: totp-rs would add a second generation of those crates (≈10 kB gzip per component)
//! for the same arithmetic. Tested against RFC 4226 Appendix D and RFC 6238 Appendix B.

use hmac::digest::core_api::BlockSizeUser;
use hmac::digest::{Digest, FixedOutputReset};
use hmac::{Mac, SimpleHmac};

use identity::crypto::constant_time_eq;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now (clock drift).
pub const SKEW_STEPS: i64 = 1;

/// HOTP value of `counter` under `key` with hash `D`, `digits` long (RFC 4226 §5.3).
pub fn hotp<D>(key: &[u8], counter: u64, digits: u32) -> String
where
    D: Digest + BlockSizeUser + FixedOutputReset + Clone,
{
    // HMAC takes keys of any length.
    let mut mac = <SimpleHmac<D> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]]) & 0x7fff_ffff;
    let code = u64::from(binary) % 10u64.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The time step containing `unix_seconds`.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The SHA-1, 6-digit code for `step` (what authenticator apps show).
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    hotp::<sha1::Sha1>(secret, u64::try_from(step).unwrap_or(0), DIGITS)
}

/// The step whose code equals `code`, searching now ± [`SKEW_STEPS`], but only steps after
/// `last_used_step` (so a code cannot be replayed within its step). Constant-time comparison.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64, last_used_step: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    (now - SKEW_STEPS..=now + SKEW_STEPS)
        .filter(|step| *step > last_used_step)
        .find(|step| constant_time_eq(code_for_step(secret, *step).as_bytes(), code.as_bytes()))
}

/// RFC 4648 base32 without padding (the `secret=` of `otpauth://` URIs).
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buffer = [0u8; 5];
        buffer[..chunk.len()].copy_from_slice(chunk);
        let bits = buffer.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..symbols {
            out.push(char::from(ALPHABET[((bits >> (35 - 5 * i)) & 0x1f) as usize]));
        }
    }
    out
}

/// Decodes unpadded RFC 4648 base32 (what [`base32`] writes, as authenticator apps read it);
/// `None` if a character is outside the alphabet.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let (mut bits, mut count, mut out) = (0u64, 0, Vec::with_capacity(text.len() * 5 / 8));
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(value);
        count += 5;
        if count >= 8 {
            out.push((bits >> (count - 8)) as u8);
            count -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected);
            assert_eq!(base32_decode(expected).as_deref(), Some(input.as_bytes()));
        }
        assert_eq!(base32_decode("MZXW6=="), None, "padding and other characters are refused");
    }

    #[test]
    fn codes_are_accepted_once_and_within_skew() {
        let secret = b"12345678901234567890";
        let now = 1_800_000_015;
        let step = step_at(now);
        let code = code_for_step(secret, step);
        assert_eq!(matching_step(secret, &code, now, 0), Some(step));
        assert_eq!(matching_step(secret, &code, now, step), None, "replay within the step is refused");
        assert_eq!(matching_step(secret, &code, now + 30, 0), Some(step), "one step of drift");
        assert_eq!(matching_step(secret, &code, now + 60, 0), None);
        assert_eq!(matching_step(secret, "12345", now, 0), None);
        assert_eq!(matching_step(secret, "abcdef", now, 0), None);
    }
}
