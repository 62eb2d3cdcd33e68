//! Cryptographically secure randomness.

use crate::PortError;

/// A source of secure random bytes.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), PortError>;
}

/// Randomness from the operating system or host (`getrandom`): Web Crypto on Workers,
/// `wasi:random` on Spin, the kernel natively. Every adapter uses it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl Random for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), PortError> {
        getrandom::fill(buf).map_err(|e| PortError::unavailable(format!("getrandom: {e}")))
    }
}

/// `N` random bytes.
pub fn random_array<const N: usize>(random: &dyn Random) -> Result<[u8; N], PortError> {
    let mut bytes = [0u8; N];
    random.fill(&mut bytes)?;
    Ok(bytes)
}

/// `N` random bytes, lower-case hex encoded (`2 * N` characters).
pub fn random_hex<const N: usize>(random: &dyn Random) -> Result<String, PortError> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let bytes = random_array::<N>(random)?;
    let mut out = String::with_capacity(2 * N);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_random_fills_and_differs() {
        let a = random_array::<32>(&SystemRandom).unwrap();
        let b = random_array::<32>(&SystemRandom).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }

    #[test]
    fn hex_has_twice_the_length_and_only_hex_digits() {
        let hex = random_hex::<16>(&SystemRandom).unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
