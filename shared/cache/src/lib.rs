//! Cache-aside reads with stampede protection.
//!
//! [`read_through`] looks in tier 1 (this instance's memory: bounded, TTL), then tier 2 (KV,
//! TTL), then loads from the source (SQL) and fills both. Around that:
//!
//! - **single-flight**: concurrent misses of one key in one instance share one load
//!   ([`flight`]), and concurrent misses in different instances share one too: the loading
//!   instance holds the key's lease (one atomic SQL upsert), the others wait for its value in
//!   KV ([`lease`]);
//! - **stale-while-revalidate**: an entry past its freshness but within its stale window is
//!   served at once and refreshed in the background (`ctx.waitUntil` on Workers);
//! - **probabilistic early refresh** (XFetch): a fresh entry is refreshed a little early, with a
//!   probability that rises as expiry nears and with how long loading takes, so popular keys
//!   rarely expire under load;
//! - **KV lease**: a background refresh first writes `lease:<key>` (best effort: KV has no
//!   compare-and-set) so other instances serve stale instead of refreshing too;
//! - **degradation**: when KV fails, reads fall through to the source (logged), never fail.
//!
//! Writers call [`invalidate`] for every key a change affects, which drops both tiers here
//! (KV deletes reach other locations eventually; entries there also expire by TTL).

mod entry;
mod epoch;
pub mod flight;
pub mod lease;
mod local;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use ports::log::Level;
use ports::{Platform, PortError};
use web::Problem;

use crate::entry::Entry;
use crate::lease::Claim;

/// How long an entry is fresh, and how much longer it may be served stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Served without refresh.
    pub fresh: Duration,
    /// After `fresh`: served while a background refresh runs.
    pub stale: Duration,
}

/// Where a read was answered from (reported in `X-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This instance's memory.
    Memory,
    /// KV.
    Kv,
    /// Stale (memory or KV), refresh scheduled.
    Stale,
    /// Loaded from the source of truth.
    Miss,
    /// Not cached, but another request of this instance was loading it: took that load's
    /// result (single-flight) without touching the source of truth.
    Shared,
}

impl Source {
    /// The `X-Cache` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Memory => "hit-memory",
            Source::Kv => "hit-kv",
            Source::Stale => "stale",
            Source::Miss => "miss",
            Source::Shared => "miss-shared",
        }
    }
}

/// Loads a value from the source of truth: `Ok(None)` when it does not exist (not cached).
pub type Loader = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, Problem>>>>>;

/// XFetch's β: > 1 refreshes earlier.
const EARLY_REFRESH_BETA: f64 = 1.0;

/// A read through the cache in progress (boxed behind `#[inline(never)]` so that one copy of
/// the read serves every crate that calls it, rather than one per calling crate).
pub type Reading<'a> = std::pin::Pin<Box<dyn Future<Output = Result<(Option<Vec<u8>>, Source), Problem>> + 'a>>;

/// Reads `key` through the tiers, loading with `load` on a miss.
#[inline(never)]
pub fn read_through<'a>(platform: &'a Platform, key: &'a str, policy: Policy, load: Loader) -> Reading<'a> {
    Box::pin(read(platform, key, policy, load))
}

async fn read(
    platform: &Platform,
    key: &str,
    policy: Policy,
    load: Loader,
) -> Result<(Option<Vec<u8>>, Source), Problem> {
    let now = platform.clock.now_millis();
    if let Some(answer) = from_memory(platform, key, policy, &load, now) {
        return Ok(answer);
    }
    // A write that invalidates the key while KV answers makes that answer older than the
    // write: serve it (the read began first) but keep it out of memory.
    let epoch = epoch::current(key);
    if let Some(entry) = kv_get(platform, key).await
        && let Some(answer) = serve(platform, key, policy, &load, &entry, now, Source::Kv)
    {
        if epoch::current(key) == epoch {
            local::put(key, entry);
        }
        return Ok(answer);
    }
    // The KV read above may have spanned another request's whole load of this key: look in
    // memory again. From here to the flight's registration nothing awaits, so no load can
    // slip through unseen.
    if let Some(answer) = from_memory(platform, key, policy, &load, now) {
        return Ok(answer);
    }
    let loaded_here = Rc::new(Cell::new(true));
    let leader = load_once(platform.clone(), key.to_owned(), policy, load, Rc::clone(&loaded_here));
    let (value, role) = flight::single(&*platform.timer, key, leader).await;
    let source = match role {
        flight::Role::Loaded if loaded_here.get() => Source::Miss,
        flight::Role::Loaded | flight::Role::Joined => Source::Shared,
    };
    Ok((value?, source))
}

/// Loads `key` on behalf of this instance, once across instances: with the key's lease, or,
/// while another instance holds it, by waiting for that instance's value to show up in KV
/// (then `loaded_here` is cleared). The claim is retried as it waits, so a holder that stored
/// nothing (the key does not exist) or vanished hands over at once; after
/// [`lease::MAX_WAIT_POLLS`] looks this instance loads by itself.
async fn load_once(
    platform: Platform,
    key: String,
    policy: Policy,
    load: Loader,
    loaded_here: Rc<Cell<bool>>,
) -> Result<Option<Vec<u8>>, Problem> {
    for poll in 0..lease::MAX_WAIT_POLLS {
        if poll % lease::CLAIM_EVERY_POLLS == 0 {
            match lease::claim(&platform, &key).await {
                Claim::Won(lease) => {
                    // A holder that stored and released between this reader's KV look and its
                    // claim leaves the value behind: take it rather than load again.
                    let found = kv_get(&platform, &key).await.filter(|e| platform.clock.now_millis() < e.stale_until);
                    let outcome = match found {
                        Some(entry) => {
                            loaded_here.set(false);
                            Ok(Some(entry.value))
                        }
                        None => load_and_store(platform.clone(), key.clone(), policy, load).await,
                    };
                    if let Err(error) = lease::release(&platform, lease).await {
                        degraded(&platform, &key, &error);
                    }
                    return outcome;
                }
                Claim::Unknown(error) => {
                    degraded(&platform, &key, &error);
                    break;
                }
                Claim::Taken => {}
            }
        }
        platform.timer.sleep(lease::POLL_INTERVAL).await;
        let epoch = epoch::current(&key);
        if let Some(entry) = kv_get(&platform, &key).await
            && platform.clock.now_millis() < entry.stale_until
        {
            loaded_here.set(false);
            if epoch::current(&key) == epoch {
                local::put(&key, entry.clone());
            }
            return Ok(Some(entry.value));
        }
    }
    load_and_store(platform, key, policy, load).await
}

/// Serves `key` from this instance's memory, if there and not expired.
fn from_memory(
    platform: &Platform,
    key: &str,
    policy: Policy,
    load: &Loader,
    now: i64,
) -> Option<(Option<Vec<u8>>, Source)> {
    let entry = local::get(key)?;
    serve(platform, key, policy, load, &entry, now, Source::Memory)
}

/// Serves `entry` if fresh (maybe scheduling an early refresh) or stale (scheduling a refresh).
fn serve(
    platform: &Platform,
    key: &str,
    policy: Policy,
    load: &Loader,
    entry: &Entry,
    now: i64,
    fresh_source: Source,
) -> Option<(Option<Vec<u8>>, Source)> {
    if now < entry.fresh_until {
        if should_refresh_early(platform, entry, now) {
            refresh_in_background(platform, key, policy, load);
        }
        return Some((Some(entry.value.clone()), fresh_source));
    }
    if now < entry.stale_until {
        refresh_in_background(platform, key, policy, load);
        return Some((Some(entry.value.clone()), Source::Stale));
    }
    None
}

/// XFetch: refresh when `now − δ·β·ln(u) ≥ expiry`, u uniform in (0, 1], δ = load time.
fn should_refresh_early(platform: &Platform, entry: &Entry, now: i64) -> bool {
    let mut bytes = [0u8; 8];
    if platform.random.fill(&mut bytes).is_err() {
        return false;
    }
    let uniform = ((u64::from_le_bytes(bytes) >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let delta = entry.load_ms.max(1) as f64;
    now as f64 - delta * EARLY_REFRESH_BETA * uniform.ln() >= entry.fresh_until as f64
}

fn refresh_in_background(platform: &Platform, key: &str, policy: Policy, load: &Loader) {
    if !flight::try_mark_refreshing(key) {
        return;
    }
    let platform_for_task = platform.clone();
    let key = key.to_owned();
    let load = Rc::clone(load);
    platform.background.spawn(Box::pin(async move {
        let lease = format!("lease:{key}");
        let leased = matches!(platform_for_task.kv.get(&lease).await, Ok(Some(_)));
        if !leased {
            // A short lease so other instances serve stale instead of refreshing too.
            let _ = platform_for_task.kv.put(&lease, b"1", Some(Duration::from_secs(60))).await;
            let _ = load_and_store(platform_for_task.clone(), key.clone(), policy, load).await;
            let _ = platform_for_task.kv.delete(&lease).await;
        }
        flight::done_refreshing(&key);
    }));
}

/// Loads from the source and fills both tiers (KV failures are logged, not fatal).
async fn load_and_store(
    platform: Platform,
    key: String,
    policy: Policy,
    load: Loader,
) -> Result<Option<Vec<u8>>, Problem> {
    let started = platform.clock.now_millis();
    let epoch = epoch::current(&key);
    let value = load().await?;
    let now = platform.clock.now_millis();
    // Invalidated while loading: what was read may predate the write, so keep it out of both
    // tiers (this request still answers with it: it began before the write finished).
    if epoch::current(&key) != epoch {
        return Ok(value);
    }
    if let Some(value) = &value {
        let entry = Entry {
            value: value.clone(),
            fresh_until: now + millis(policy.fresh),
            stale_until: now + millis(policy.fresh) + millis(policy.stale),
            load_ms: now - started,
        };
        local::put(&key, entry.clone());
        let ttl = policy.fresh + policy.stale;
        if let Err(error) = platform.kv.put(&kv_key(&key), &entry.encode(), Some(ttl)).await {
            degraded(&platform, &key, &error);
        }
        // Invalidated while the put was in flight: its delete may have landed first.
        if epoch::current(&key) != epoch {
            local::remove(&key);
            let _ = platform.kv.delete(&kv_key(&key)).await;
        }
    }
    Ok(value)
}

/// Drops `keys` from both tiers (call after every write that changes them). Loads of them
/// already running in this instance will not store what they read, and later reads start a
/// fresh load instead of joining one of those.
pub async fn invalidate(platform: &Platform, keys: &[String]) {
    for key in keys {
        epoch::bump(key);
        flight::forget(key);
        local::remove(key);
    }
    // The shared tier's deletes go out together: one KV round trip of waiting, not one per key.
    let deletes = keys.iter().map(|key| async move {
        if let Err(error) = platform.kv.delete(&kv_key(key)).await {
            degraded(platform, key, &error);
        }
    });
    futures_util::future::join_all(deletes).await;
}

async fn kv_get(platform: &Platform, key: &str) -> Option<Entry> {
    match platform.kv.get(&kv_key(key)).await {
        Ok(bytes) => bytes.and_then(|b| Entry::decode(&b)),
        Err(error) => {
            degraded(platform, key, &error);
            None
        }
    }
}

fn kv_key(key: &str) -> String {
    format!("cache:{key}")
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

/// KV trouble degrades the cache to a pass-through; it is logged, never an error.
fn degraded(platform: &Platform, key: &str, error: &PortError) {
    let line = serde_json::json!({"level": "warn", "msg": "cache_degraded", "key": key, "error": error.to_string()});
    platform.log.emit(Level::Warn, &line.to_string());
}

/// Clears this instance's memory tier (tests).
pub fn clear_memory() {
    local::clear();
}
