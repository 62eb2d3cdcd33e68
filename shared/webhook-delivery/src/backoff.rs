//! When to try again: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
//! Backoff And Jitter"): after attempt `n`, wait a uniformly random time in
//! `[0, min(cap, base × 2^(n-1))]`, so retries from many deliveries spread out instead of
//! arriving together.

use ports::Random;
use ports::random::random_array;

/// The delay in ms after `attempt` (1 = the first attempt failed).
pub fn delay_ms(attempt: u32, base_ms: u64, cap_ms: u64, random: &dyn Random) -> u64 {
    let ceiling = base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(40)).min(cap_ms);
    let draw = random_array::<8>(random).map(u64::from_le_bytes).unwrap_or(u64::MAX);
    // Uniform in [0, ceiling]: ceiling + 1 values (bias below 2^-40 for any ceiling used here).
    draw % ceiling.saturating_add(1)
}

/// The largest delay after `attempt`: the schedule's envelope, as the README lists it.
pub fn ceiling_ms(attempt: u32, base_ms: u64, cap_ms: u64) -> u64 {
    base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(40)).min(cap_ms)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    struct Sequence(Cell<u64>);

    impl Random for Sequence {
        fn fill(&self, bytes: &mut [u8]) -> Result<(), ports::PortError> {
            let next = self.0.get();
            self.0.set(next.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407));
            bytes.copy_from_slice(&next.to_le_bytes()[..bytes.len()]);
            Ok(())
        }
    }

    #[test]
    fn delays_stay_under_a_doubling_capped_ceiling_and_spread_out() {
        let random = Sequence(Cell::new(42));
        for attempt in 1..12 {
            let ceiling = ceiling_ms(attempt, 1000, 60_000);
            assert_eq!(ceiling, (1000u64 << (attempt - 1)).min(60_000));
            let delays: Vec<u64> = (0..200).map(|_| delay_ms(attempt, 1000, 60_000, &random)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
            let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
            assert!(distinct.len() > 100, "full jitter spreads delays: {}", distinct.len());
            let mean = delays.iter().sum::<u64>() / 200;
            assert!(mean > ceiling / 4 && mean < ceiling * 3 / 4, "uniform: mean {mean} of {ceiling}");
        }
    }
}
