//! Tier 1: this instance's memory, bounded by entry count and bytes.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::entry::Entry;

/// At most this many entries…
const MAX_ENTRIES: usize = 512;
/// …and this many value bytes.
const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Memory {
    entries: HashMap<String, (u64, Entry)>,
    bytes: usize,
    tick: u64,
}

thread_local! {
    static MEMORY: RefCell<Memory> = RefCell::new(Memory::default());
}

pub(crate) fn get(key: &str) -> Option<Entry> {
    MEMORY.with_borrow_mut(|memory| {
        memory.tick += 1;
        let tick = memory.tick;
        memory.entries.get_mut(key).map(|(used, entry)| {
            *used = tick;
            entry.clone()
        })
    })
}

pub(crate) fn put(key: &str, entry: Entry) {
    if entry.value.len() > MAX_BYTES / 8 {
        return;
    }
    MEMORY.with_borrow_mut(|memory| {
        memory.tick += 1;
        let tick = memory.tick;
        memory.bytes += entry.value.len();
        if let Some((_, old)) = memory.entries.insert(key.to_owned(), (tick, entry)) {
            memory.bytes -= old.value.len();
        }
        // Evict least recently used until within bounds.
        while memory.entries.len() > MAX_ENTRIES || memory.bytes > MAX_BYTES {
            let Some(oldest) = memory.entries.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((_, evicted)) = memory.entries.remove(&oldest) {
                memory.bytes -= evicted.value.len();
            }
        }
    });
}

pub(crate) fn remove(key: &str) {
    MEMORY.with_borrow_mut(|memory| {
        if let Some((_, old)) = memory.entries.remove(key) {
            memory.bytes -= old.value.len();
        }
    });
}

pub(crate) fn clear() {
    MEMORY.with_borrow_mut(|memory| *memory = Memory::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(size: usize) -> Entry {
        Entry { value: vec![0; size], fresh_until: 0, stale_until: 0, load_ms: 0 }
    }

    #[test]
    fn bounded_by_count_evicting_least_recently_used() {
        clear();
        for i in 0..MAX_ENTRIES {
            put(&format!("k{i}"), entry(1));
        }
        assert!(get("k0").is_some(), "touch k0 so k1 is the oldest");
        put("new", entry(1));
        assert!(get("k1").is_none());
        assert!(get("k0").is_some() && get("new").is_some());
        clear();
    }
}
