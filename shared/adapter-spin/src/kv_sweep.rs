//! Sweeping expired entries out of a Spin key-value store.
//!
//! Spin's stores have no expiry of their own: [`crate::kv_envelope`] marks when a value expires
//! and a read of an expired value deletes it, but a key nobody reads again (a cache entry for
//! a query nobody repeats, a rate-limit counter for a client that never returns) would stay
//! forever. So now and then a write also sweeps: it streams the store's keys once, keeps a
//! uniform random sample of them ([`Sample`], O(sample) memory however large the store), and
//! reads each sampled key, which deletes it if expired.

/// One write in this many also sweeps.
pub(crate) const SWEEP_ONE_IN: u64 = 128;
/// Keys a sweep reads at most.
pub(crate) const SWEEP_KEYS: usize = 128;

/// A uniform random sample of at most `capacity` items from a stream of unknown length
/// (reservoir sampling, Algorithm R), driven by a seeded xorshift generator.
pub(crate) struct Sample<T> {
    kept: Vec<T>,
    capacity: usize,
    seen: u64,
    state: u64,
}

impl<T> Sample<T> {
    /// An empty sample of at most `capacity` items; `seed` must come from a real random source.
    pub(crate) fn new(capacity: usize, seed: u64) -> Self {
        Self { kept: Vec::with_capacity(capacity), capacity, seen: 0, state: seed | 1 }
    }

    fn next_random(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// Offers the next item of the stream.
    pub(crate) fn offer(&mut self, item: T) {
        self.seen += 1;
        if self.kept.len() < self.capacity {
            self.kept.push(item);
            return;
        }
        let slot = self.next_random() % self.seen;
        if let Some(kept) = usize::try_from(slot).ok().and_then(|slot| self.kept.get_mut(slot)) {
            *kept = item;
        }
    }

    /// The sampled items.
    pub(crate) fn into_items(self) -> Vec<T> {
        self.kept
    }
}

/// Whether this write sweeps, from one random draw.
pub(crate) fn sweeps(draw: u64) -> bool {
    draw.is_multiple_of(SWEEP_ONE_IN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_stream_is_kept_whole() {
        let mut sample = Sample::new(5, 42);
        (0..3).for_each(|i| sample.offer(i));
        assert_eq!(sample.into_items(), [0, 1, 2]);
    }

    #[test]
    fn a_long_stream_is_sampled_uniformly_within_capacity() {
        // 10 000 items, samples of 100, 200 draws: each item should be kept about 2 times.
        let mut hits = vec![0u32; 10_000];
        for seed in 1..=200u64 {
            let mut sample = Sample::new(100, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            (0..10_000usize).for_each(|i| sample.offer(i));
            let items = sample.into_items();
            assert_eq!(items.len(), 100);
            items.into_iter().for_each(|i| hits[i] += 1);
        }
        // Uniform: the first and the last tenth of the stream are kept about equally often.
        let first: u32 = hits[..1000].iter().sum();
        let last: u32 = hits[9000..].iter().sum();
        assert!((1600..=2400).contains(&first) && (1600..=2400).contains(&last), "{first} vs {last}");
    }

    #[test]
    fn about_one_write_in_sweep_one_in_sweeps() {
        let sweeping = (0..SWEEP_ONE_IN * 100).filter(|draw| sweeps(*draw)).count();
        assert_eq!(sweeping, 100);
    }
}
