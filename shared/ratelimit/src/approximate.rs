//! Approximate counters on KV, for cheap, high-volume limits.
//!
//! Workers KV is eventually consistent and accepts about one write per second per key, so a
//! counter there cannot be exact. Each instance keeps its own count per key and fixed window,
//! and syncs with KV at most once per [`SYNC_INTERVAL_MS`]: it reads the shared count, adds what
//! it admitted since the last sync and the request at hand, and writes the sum back. Between
//! syncs it decides from the last shared count plus its own. (On Spin every request is a fresh
//! instance, so every request syncs.)
//!
//! **Error bound.** Within one window, each instance can admit up to `limit − shared` requests
//! between two syncs, and syncs overwrite each other (last write wins). With `I` instances seeing
//! a key, admitted requests per window are at most about `I × limit` in the worst case, and
//! typically `limit + (I − 1) × (requests each instance receives per sync interval)`. Counts
//! published from other locations take up to ~60 s to become visible. Use the exact store where
//! the limit matters (sign-in, writes); use this one for broad abuse ceilings.
//!
//! Only fixed windows are used here (token-bucket rules on this store count per window too).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use ports::counters::{Decision, LimitSpec};
use ports::{Kv, PortError};

/// Minimum time between two syncs of one key by one instance.
pub const SYNC_INTERVAL_MS: i64 = 1000;

#[derive(Debug, Clone, Copy)]
struct Local {
    window_start: i64,
    shared: i64,
    unsynced: i64,
    /// When this instance last synced the key; `None` = never.
    last_sync: Option<i64>,
}

thread_local! {
    /// This instance's view of each key (bounded, see [`save`]).
    static LOCAL: RefCell<HashMap<String, Local>> = RefCell::new(HashMap::new());
}

/// Counts one request against `key` under `spec` using KV for sharing.
pub async fn acquire(kv: &dyn Kv, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
    let window = spec.window_ms.max(1);
    let stored = LOCAL.with_borrow(|map| map.get(key).copied());
    // A request whose clock was read before a later one's counts in the window already begun
    // (as in the exact store), rather than resetting this instance's count to its own window.
    let now = stored.map_or(now, |l| now.max(l.window_start));
    let window_start = now - now.rem_euclid(window);
    let mut local = stored.filter(|l| l.window_start == window_start).unwrap_or(Local {
        window_start,
        shared: 0,
        unsynced: 0,
        last_sync: None,
    });
    let allowed;
    if local.last_sync.is_none_or(|last| now.saturating_sub(last) >= SYNC_INTERVAL_MS) {
        // Back off for a sync interval even if KV fails, so a struggling store is not hammered;
        // what this instance counted stays unsynced for the next sync.
        let attempted = Local { last_sync: Some(now), ..local };
        let synced = sync(kv, key, window, &local, spec.limit).await;
        let (shared, admitted) = synced.inspect_err(|_| save(key, attempted))?;
        allowed = admitted;
        local = Local { window_start, shared, unsynced: 0, last_sync: Some(now) };
    } else {
        allowed = local.shared + local.unsynced < spec.limit;
        if allowed {
            local.unsynced += 1;
        }
    }
    let used = local.shared + local.unsynced - i64::from(allowed);
    save(key, local);
    let reset_ms = window_start + window - now;
    Ok(Decision {
        allowed,
        remaining: (spec.limit - used - i64::from(allowed)).max(0),
        reset_ms,
        retry_after_ms: if allowed { 0 } else { reset_ms },
    })
}

/// Reads the shared count, decides this request against it plus what this instance counted
/// since its last sync, and writes the new total (this request included, so an instance that
/// sees a key once, or Spin's instance per request, still counts). Returns the total and the
/// decision.
///
/// One KV entry per key, `<window start>:<count>`, overwritten in place: a count from an
/// earlier window reads as 0, and stores that keep expired entries until they are read again
/// (Spin) hold one entry per key rather than one per key and window.
async fn sync(kv: &dyn Kv, key: &str, window: i64, local: &Local, limit: i64) -> Result<(i64, bool), PortError> {
    let stored = kv.get(key).await?.and_then(|bytes| {
        let text = String::from_utf8(bytes).ok()?;
        let (start, count) = text.split_once(':')?;
        Some((start.parse::<i64>().ok()?, count.parse::<i64>().ok()?))
    });
    let shared = match stored {
        Some((start, count)) if start == local.window_start => count,
        // Another instance is in a later window already: this request read its clock late.
        // Decide it against that count and leave the entry alone.
        Some((start, count)) if start > local.window_start => return Ok((count, count < limit)),
        _ => 0,
    };
    let known = shared.max(local.shared) + local.unsynced;
    let allowed = known < limit;
    let total = known + i64::from(allowed);
    if total != shared {
        let ttl = Duration::from_millis(u64::try_from(window * 2).unwrap_or(u64::MAX));
        kv.put(key, format!("{}:{total}", local.window_start).as_bytes(), Some(ttl)).await?;
    }
    Ok((total, allowed))
}

/// Keeps this instance's view of `key`. Bounded: past 10 000 keys, the entries with nothing
/// left to publish go first (their counts are in KV already), and only if that is not enough
/// the rest.
fn save(key: &str, local: Local) {
    LOCAL.with_borrow_mut(|map| {
        if map.len() > 10_000 {
            map.retain(|_, kept| kept.unsynced > 0);
            if map.len() > 10_000 {
                map.clear();
            }
        }
        map.insert(key.to_owned(), local);
    });
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use adapter_native::{ManualClock, MemoryKv};
    use ports::counters::Algorithm;

    use super::*;

    const SPEC: LimitSpec = LimitSpec { algorithm: Algorithm::TokenBucket, limit: 3, window_ms: 60_000 };

    #[tokio::test]
    async fn an_instance_per_request_still_counts_every_admission() {
        let kv = MemoryKv::new(Rc::new(ManualClock::at(0)));
        let mut admitted = Vec::new();
        for i in 0..5 {
            LOCAL.with_borrow_mut(HashMap::clear); // what Spin does between requests
            admitted.push(acquire(&kv, "fresh", &SPEC, 1_000 + i).await.unwrap().allowed);
        }
        assert_eq!(admitted, [true, true, true, false, false]);
    }

    #[tokio::test]
    async fn a_key_keeps_one_kv_entry_whatever_the_windows() {
        let kv = MemoryKv::new(Rc::new(ManualClock::at(0)));
        for window in 0..3 {
            LOCAL.with_borrow_mut(HashMap::clear);
            let now = window * SPEC.window_ms + 1;
            assert!(acquire(&kv, "rl:one", &SPEC, now).await.unwrap().allowed, "a new window starts afresh");
        }
        // Stores without expiry of their own (Spin) keep what is written: one entry per key,
        // overwritten, not one per key and window.
        assert_eq!(kv.list("rl:one", None, 100).await.unwrap().keys, ["rl:one"]);
    }

    #[tokio::test]
    async fn a_late_request_from_the_previous_window_keeps_the_current_count() {
        let kv = MemoryKv::new(Rc::new(ManualClock::at(0)));
        LOCAL.with_borrow_mut(HashMap::clear);
        let start = SPEC.window_ms;
        let admitted: Vec<bool> = {
            let mut out = Vec::new();
            // Two in the new window, then one whose clock read the previous window, then more.
            for now in [start + 1, start + 2, start - 1, start + 3, start + 4] {
                out.push(acquire(&kv, "late", &SPEC, now).await.unwrap().allowed);
            }
            out
        };
        assert_eq!(admitted, [true, true, true, false, false], "three per window, the late one included");
    }

    #[tokio::test]
    async fn one_instance_counts_between_syncs_and_publishes_at_the_next() {
        let kv = MemoryKv::new(Rc::new(ManualClock::at(0)));
        let decisions: Vec<(bool, i64)> = {
            let mut out = Vec::new();
            for i in 0..4 {
                let d = acquire(&kv, "warm", &SPEC, 2_000 + i).await.unwrap();
                out.push((d.allowed, d.remaining));
            }
            out
        };
        assert_eq!(decisions, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        // Another instance, after this one's next sync, sees all three.
        assert!(!acquire(&kv, "warm", &SPEC, 3_500).await.unwrap().allowed);
        LOCAL.with_borrow_mut(HashMap::clear);
        assert!(!acquire(&kv, "warm", &SPEC, 3_600).await.unwrap().allowed, "published to KV");
    }
}
