//! Approximate counters on KV, for cheap, high-volume limits.
//!
//! Workers KV is eventually consistent and accepts about one write per second per key, so a
//! counter there cannot be exact. Each instance keeps its own count per key and fixed window
//! and decides from the last shared count it knows plus its own, publishing what it admitted
//! at most once per [`SYNC_INTERVAL_MS`]: a sync reads the shared count, adds this instance's
//! unpublished admissions and writes the sum back.
//!
//! Writes never sit on a request's path: a sync's write runs after the response (`ctx.waitUntil`
//! on Workers, a spawned task on Spin). How a key is synced depends on the store
//! ([`Kv::is_local`]):
//! - a remote store (Workers KV) is not even read by a request. Decisions are local, and a key
//!   is synced only once this instance admitted [`first_sync_after`] requests for it in the
//!   window, so the many clients seen once or twice cost no KV traffic at all;
//! - a local store (Spin's table in SQLite) is cheap to read: a request reads the shared count
//!   when the interval has passed, and every admission is published after its response, so
//!   instances that live for a few requests still count all of them.
//!
//! **Error bound.** Within one window, each of `I` instances can admit what it has not yet
//! published: up to [`first_sync_after`] before its first sync of a key (remote store), and
//! whatever arrives between two syncs after that; syncs overwrite each other (last write wins).
//! Admissions per window are at most about `I × limit` in the worst case, and typically
//! `limit + (I − 1) × (requests each instance receives per sync interval)`. Counts published
//! from other locations take up to ~60 s to become visible. Use the exact store where the
//! limit matters (sign-in, writes); use this one for broad abuse ceilings.
//!
//! Only fixed windows are used here (token-bucket rules on this store count per window too).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use ports::counters::{Decision, LimitSpec};
use ports::{Kv, Platform, PortError};

/// Minimum time between two syncs of one key by one instance.
pub const SYNC_INTERVAL_MS: i64 = 1000;

/// Admissions of a key in one window after which an instance first shares its count through a
/// remote store: a tenth of the limit (at least one).
pub fn first_sync_after(limit: i64) -> i64 {
    (limit / 10).max(1)
}

#[derive(Debug, Clone, Copy)]
struct Local {
    window_start: i64,
    shared: i64,
    unsynced: i64,
    /// When this instance last synced the key; `None` = never.
    last_sync: Option<i64>,
    /// A background sync of this key is running.
    syncing: bool,
}

thread_local! {
    /// This instance's view of each key (bounded, see [`save`]).
    static LOCAL: RefCell<HashMap<String, Local>> = RefCell::new(HashMap::new());
}

/// Counts one request against `key` under `spec` using the platform's KV for sharing.
pub async fn acquire(platform: &Platform, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
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
        syncing: false,
    });
    let due = local.last_sync.is_none_or(|last| now.saturating_sub(last) >= SYNC_INTERVAL_MS);
    let local_store = platform.kv.is_local();
    if local_store && due && !local.syncing {
        // A local store is cheap to read: learn the shared count before deciding. Writing it back
        // waits until after the response. A failed read backs off for a sync interval, so a
        // struggling store is not hammered; this instance's counts stay unsynced meanwhile.
        match read_shared(&*platform.kv, key, window_start).await {
            Ok(Shared::Count(count)) => local.shared = local.shared.max(count),
            Ok(Shared::LaterWindow(count)) => local.shared = local.shared.max(count),
            Err(error) => {
                save(key, Local { last_sync: Some(now), ..local });
                return Err(error);
            }
        }
    }
    let allowed = local.shared + local.unsynced < spec.limit;
    if allowed {
        local.unsynced += 1;
    }
    // Publish what this instance admitted: at once (after the response) to a local store; to a
    // remote one only once the key is busy here, so one-off clients cost no KV traffic.
    let worth_sharing = local_store || local.last_sync.is_some() || local.unsynced >= first_sync_after(spec.limit);
    if due && worth_sharing && local.unsynced > 0 && !local.syncing {
        local.syncing = true;
        sync_in_background(platform, key, window, local, now);
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

/// Publishes `snapshot`'s unsynced admissions after the response, then folds the shared count
/// into this instance's view (admissions made meanwhile stay unsynced for the next sync).
fn sync_in_background(platform: &Platform, key: &str, window: i64, snapshot: Local, now: i64) {
    let kv: Rc<dyn Kv> = Rc::clone(&platform.kv);
    let key = key.to_owned();
    platform.background.spawn(Box::pin(async move {
        let published = async {
            let total = match read_shared(&*kv, &key, snapshot.window_start).await? {
                Shared::Count(count) => count.max(snapshot.shared) + snapshot.unsynced,
                // Other instances are in a later window: this one's counts no longer matter.
                Shared::LaterWindow(_) => return Ok(None),
            };
            publish(&*kv, &key, window, snapshot.window_start, total).await.map(|()| Some(total))
        };
        let published = published.await;
        LOCAL.with_borrow_mut(|map| {
            let Some(current) = map.get_mut(&key).filter(|l| l.window_start == snapshot.window_start) else { return };
            current.syncing = false;
            current.last_sync = Some(now);
            if let Ok(Some(total)) = published {
                current.shared = total;
                current.unsynced = (current.unsynced - snapshot.unsynced).max(0);
            }
        });
    }));
}

/// What KV holds for a key.
enum Shared {
    /// The count of the window asked about (0 if none or an older one is stored).
    Count(i64),
    /// A later window's count: the asking request read its clock late.
    LaterWindow(i64),
}

/// The shared count of `key` for the window starting at `window_start`.
///
/// One KV entry per key, `<window start>:<count>`, overwritten in place: a count from an
/// earlier window reads as 0, and stores that keep expired entries until they are read again
/// (Spin) hold one entry per key rather than one per key and window.
async fn read_shared(kv: &dyn Kv, key: &str, window_start: i64) -> Result<Shared, PortError> {
    let stored = kv.get(key).await?.and_then(|bytes| {
        let text = String::from_utf8(bytes).ok()?;
        let (start, count) = text.split_once(':')?;
        Some((start.parse::<i64>().ok()?, count.parse::<i64>().ok()?))
    });
    Ok(match stored {
        Some((start, count)) if start == window_start => Shared::Count(count),
        Some((start, count)) if start > window_start => Shared::LaterWindow(count),
        _ => Shared::Count(0),
    })
}

/// Stores `total` as the shared count of the window starting at `window_start`.
async fn publish(kv: &dyn Kv, key: &str, window: i64, window_start: i64, total: i64) -> Result<(), PortError> {
    let ttl = Duration::from_millis(u64::try_from(window * 2).unwrap_or(u64::MAX));
    kv.put(key, format!("{window_start}:{total}").as_bytes(), Some(ttl)).await
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
    use adapter_native::TestPlatform;
    use ports::counters::Algorithm;

    use super::*;

    const SPEC: LimitSpec = LimitSpec { algorithm: Algorithm::TokenBucket, limit: 3, window_ms: 60_000 };

    fn forget_instance() {
        LOCAL.with_borrow_mut(HashMap::clear);
    }

    #[tokio::test]
    async fn an_instance_per_request_still_counts_every_admission() {
        let test = TestPlatform::new().await;
        let platform = test.platform();
        let mut admitted = Vec::new();
        for i in 0..5 {
            forget_instance(); // a short-lived instance (Spin) per request
            admitted.push(acquire(&platform, "fresh", &SPEC, 1_000 + i).await.unwrap().allowed);
            test.background.run_all().await; // what runs after the response
        }
        assert_eq!(admitted, [true, true, true, false, false]);
    }

    #[tokio::test]
    async fn a_key_keeps_one_kv_entry_whatever_the_windows() {
        let test = TestPlatform::new().await;
        let platform = test.platform();
        for window in 0..3 {
            forget_instance();
            let now = window * SPEC.window_ms + 1;
            assert!(acquire(&platform, "rl:one", &SPEC, now).await.unwrap().allowed, "a new window starts afresh");
            test.background.run_all().await;
        }
        // Stores without expiry of their own (Spin) keep what is written: one entry per key,
        // overwritten, not one per key and window.
        assert_eq!(test.kv.list("rl:one", None, 100).await.unwrap().keys, ["rl:one"]);
    }

    #[tokio::test]
    async fn a_late_request_from_the_previous_window_keeps_the_current_count() {
        let test = TestPlatform::new().await;
        let platform = test.platform();
        forget_instance();
        let start = SPEC.window_ms;
        let mut admitted = Vec::new();
        // Two in the new window, then one whose clock read the previous window, then more.
        for now in [start + 1, start + 2, start - 1, start + 3, start + 4] {
            admitted.push(acquire(&platform, "late", &SPEC, now).await.unwrap().allowed);
        }
        assert_eq!(admitted, [true, true, true, false, false], "three per window, the late one included");
    }

    #[tokio::test]
    async fn one_instance_counts_between_syncs_and_publishes_at_the_next() {
        let test = TestPlatform::new().await;
        let platform = test.platform();
        let mut decisions = Vec::new();
        for i in 0..4 {
            let d = acquire(&platform, "warm", &SPEC, 2_000 + i).await.unwrap();
            decisions.push((d.allowed, d.remaining));
            test.background.run_all().await;
        }
        assert_eq!(decisions, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        assert_eq!(test.kv.get("warm").await.unwrap().as_deref(), Some(&b"0:1"[..]), "one sync a second");
        // Another instance, after this one's next sync, sees all three.
        assert!(!acquire(&platform, "warm", &SPEC, 3_500).await.unwrap().allowed);
        test.background.run_all().await;
        forget_instance();
        assert!(!acquire(&platform, "warm", &SPEC, 3_600).await.unwrap().allowed, "published to KV");
    }

    const WIDE: LimitSpec = LimitSpec { algorithm: Algorithm::TokenBucket, limit: 30, window_ms: 60_000 };

    #[tokio::test]
    async fn a_remote_store_is_never_awaited_and_one_off_clients_cost_no_kv_traffic() {
        let test = TestPlatform::new().await;
        test.kv.set_remote(true);
        test.kv.set_outage(true); // were it asked, every request would fail
        let platform = test.platform();
        forget_instance();
        for client in 0..200 {
            let decision = acquire(&platform, &format!("rl:all|10.0.0.{client}"), &WIDE, 1_000).await.unwrap();
            assert!(decision.allowed);
        }
        assert_eq!(test.background.pending(), 0, "no client reached the first-sync threshold");
        test.kv.set_outage(false);
        assert!(test.kv.list("rl:", None, 10).await.unwrap().keys.is_empty());
    }

    #[tokio::test]
    async fn a_busy_key_on_a_remote_store_syncs_in_the_background_and_learns_other_instances_counts() {
        let test = TestPlatform::new().await;
        test.kv.set_remote(true);
        let platform = test.platform();
        forget_instance();
        // Other instances have admitted 25 of 30 this window.
        test.kv.put("rl:busy", b"0:25", None).await.unwrap();
        let threshold = first_sync_after(WIDE.limit);
        for i in 0..threshold {
            assert!(acquire(&platform, "rl:busy", &WIDE, 1_000 + i).await.unwrap().allowed, "decided locally");
        }
        assert_eq!(test.background.pending(), 1, "one sync, after the response");
        test.background.run_all().await;
        assert_eq!(
            test.kv.get("rl:busy").await.unwrap().as_deref(),
            Some(&format!("0:{}", 25 + threshold).into_bytes()[..])
        );
        // Now 28 are known: two more, then refusals, without waiting for another sync.
        let mut admitted = Vec::new();
        for i in 0..4 {
            admitted.push(acquire(&platform, "rl:busy", &WIDE, 1_100 + i).await.unwrap().allowed);
        }
        assert_eq!(admitted, [true, true, false, false]);
        assert_eq!(test.background.pending(), 0, "within the sync interval nothing more is published");
        test.clock.advance(SYNC_INTERVAL_MS);
        acquire(&platform, "rl:busy", &WIDE, 1_100 + SYNC_INTERVAL_MS).await.unwrap();
        test.background.run_all().await;
        assert_eq!(test.kv.get("rl:busy").await.unwrap().as_deref(), Some(&b"0:30"[..]), "the two are published");
    }
}
