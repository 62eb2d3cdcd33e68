//! Invalidation epochs: a load that began before its key was invalidated read the old value,
//! so it must not store it (in either tier) afterwards.

use std::cell::RefCell;
use std::collections::HashMap;

/// Keys remembered at most; beyond that the map starts over from a raised floor.
const MAX_KEYS: usize = 4096;

#[derive(Default)]
struct Epochs {
    /// The epoch of each invalidated key.
    keys: HashMap<String, u64>,
    /// The epoch of every key not in `keys`.
    floor: u64,
    /// The last epoch handed out.
    last: u64,
}

thread_local! {
    static EPOCHS: RefCell<Epochs> = RefCell::new(Epochs::default());
}

/// The key's current epoch: compare it before and after a load.
pub(crate) fn current(key: &str) -> u64 {
    EPOCHS.with_borrow(|epochs| epochs.keys.get(key).copied().unwrap_or(epochs.floor))
}

/// Moves the key to a new epoch (on invalidation).
pub(crate) fn bump(key: &str) {
    EPOCHS.with_borrow_mut(|epochs| {
        epochs.last += 1;
        if epochs.keys.len() >= MAX_KEYS {
            // Forgetting keys must not make an old epoch current again: every key moves on.
            epochs.keys.clear();
            epochs.floor = epochs.last;
            epochs.last += 1;
        }
        let epoch = epochs.last;
        epochs.keys.insert(key.to_owned(), epoch);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumping_changes_only_that_key_and_forgetting_never_restores_an_old_epoch() {
        let before = (current("a"), current("b"));
        bump("a");
        assert_ne!(current("a"), before.0);
        assert_eq!(current("b"), before.1);
        let a = current("a");
        for i in 0..MAX_KEYS {
            bump(&format!("k{i}"));
        }
        assert_ne!(current("a"), a, "after the map starts over, no key is at its old epoch");
        assert_ne!(current("b"), before.1);
    }
}
