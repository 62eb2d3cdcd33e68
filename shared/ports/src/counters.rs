//! Exact rate counters: the port, the two algorithms, and an implementation over the SQL port.
//!
//! Every backend applies the same arithmetic: [`apply`] in Rust (in-memory and Durable Object
//! backends) or the equivalent single SQL `UPSERT` ([`SqlCounters`]), both integer-exact. Tests
//! hold the two to the same answers.

use std::rc::Rc;

use async_trait::async_trait;

use crate::sql::Statement;
use crate::{PortError, Sql};

/// How a counter limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Up to `capacity` at once, refilling `capacity` tokens per `window_ms` (smooth).
    TokenBucket,
    /// At most `limit` per rolling `window_ms`, estimated from the current and previous fixed
    /// windows (Cloudflare's sliding-window counter): previous × (overlap) + current.
    SlidingWindow,
}

/// A limit: algorithm, quota and window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSpec {
    /// Which algorithm.
    pub algorithm: Algorithm,
    /// Bucket capacity / requests per window (≥ 1).
    pub limit: i64,
    /// Window (or full-refill time) in milliseconds (≥ 1).
    pub window_ms: i64,
}

/// A counter's stored state. For a token bucket: `a` = tokens × window (exact integer units),
/// `t` = last update. For a sliding window: `a` = current count, `b` = previous window's count,
/// `t` = current window's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterState {
    /// First value.
    pub a: i64,
    /// Second value.
    pub b: i64,
    /// Time (Unix ms).
    pub t: i64,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Requests still admitted now (after this one).
    pub remaining: i64,
    /// Milliseconds until the quota is fully restored.
    pub reset_ms: i64,
    /// When refused: milliseconds until a request would be admitted.
    pub retry_after_ms: i64,
}

/// Exact, atomic counters shared by every instance (Durable Objects, SQL).
#[async_trait(?Send)]
pub trait Counters {
    /// Counts one request against `key` under `spec` at `now`, atomically.
    async fn acquire(&self, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError>;
}

/// After this long without use a counter no longer matters to any rule (windows are at most a
/// day, and a sliding window looks one window back), so its storage may go.
pub const IDLE_AFTER_MS: i64 = 2 * 86_400_000;

/// Whether `state` has been idle long enough to delete (see [`IDLE_AFTER_MS`]).
pub fn is_idle(state: &CounterState, now: i64) -> bool {
    state.t < now.saturating_sub(IDLE_AFTER_MS)
}

/// Applies one request to `state` (None = never seen): the new state and the decision.
pub fn apply(spec: &LimitSpec, state: Option<CounterState>, now: i64) -> (CounterState, Decision) {
    let (w, l) = (spec.window_ms.max(1), spec.limit.max(1));
    match spec.algorithm {
        Algorithm::TokenBucket => {
            let full = l * w;
            let (tokens, last) = state.map_or((full, now), |s| (s.a, s.t));
            let refilled = full.min(tokens + (now - last).max(0) * l);
            let allowed = refilled >= w;
            let next = CounterState { a: if allowed { refilled - w } else { refilled }, b: 0, t: last.max(now) };
            (next, decide(spec, next, allowed, now))
        }
        Algorithm::SlidingWindow => {
            // A request that reaches the counter after one from a later window (their clocks
            // were read before concurrent awaits) counts as arriving at that window's start.
            let now = state.map_or(now, |s| now.max(s.t));
            let start = now - now.rem_euclid(w);
            let (current, previous) = match state {
                Some(s) if s.t == start => (s.a, s.b),
                Some(s) if s.t == start - w => (0, s.a),
                _ => (0, 0),
            };
            let elapsed = now - start;
            let allowed = previous * (w - elapsed) + current * w < l * w;
            let next = CounterState { a: current + i64::from(allowed), b: previous, t: start };
            (next, decide(spec, next, allowed, now))
        }
    }
}

/// The decision implied by a counter's state right after a request (what the SQL backend,
/// which computes the state in the database, reports).
pub fn decide(spec: &LimitSpec, state: CounterState, allowed: bool, now: i64) -> Decision {
    let (w, l) = (spec.window_ms.max(1), spec.limit.max(1));
    let div_ceil = |a: i64, b: i64| (a + b - 1).div_euclid(b);
    match spec.algorithm {
        Algorithm::TokenBucket => {
            let tokens = state.a;
            Decision {
                allowed,
                remaining: tokens / w,
                reset_ms: div_ceil(l * w - tokens, l),
                retry_after_ms: if allowed { 0 } else { div_ceil(w - tokens, l) },
            }
        }
        Algorithm::SlidingWindow => {
            let elapsed = (now - state.t).clamp(0, w);
            // k more are admitted while b·(w−e) + (a+k)·w < l·w, i.e. k < l − a − b·(w−e)/w.
            let remaining = l - state.a - (state.b * (w - elapsed)).div_euclid(w);
            // The quota is whole again once this window's count has decayed out of the next
            // window (or, with none, once the previous window's has).
            let reset_ms = if state.a > 0 {
                2 * w - elapsed
            } else if state.b > 0 {
                w - elapsed
            } else {
                0
            };
            let retry_after_ms = if allowed {
                0
            } else if state.a < l {
                // The previous window's weight must decay: find when b·(w−e) + a·w < l·w.
                let needed = state.b * (w - elapsed) + state.a * w - l * w;
                div_ceil(needed + 1, state.b.max(1))
            } else {
                // This window is full: wait for the next, then for `current` to decay enough.
                let next_elapsed = if state.a * w < l * w { 0 } else { w - (l * w) / state.a.max(1) + 1 };
                (w - elapsed) + next_elapsed.max(0)
            };
            Decision { allowed, remaining: remaining.max(0), reset_ms, retry_after_ms }
        }
    }
}

/// Counters in a SQL table (`rate_limits`), one atomic `UPSERT … RETURNING` per request:
/// exact across every instance that shares the database (Spin SQLite, D1, native tests).
pub struct SqlCounters {
    sql: Rc<dyn Sql>,
}

impl SqlCounters {
    /// Counters stored through `sql`.
    pub fn new(sql: Rc<dyn Sql>) -> Self {
        Self { sql }
    }
}

/// The sliding-window arithmetic of [`apply`] as SQL (?1 key, ?2 window start, ?3 window,
/// ?4 now, ?5 limit). Column references in `SET` see the row before the update. `S` and `N`
/// below are the window start and time after a late request is moved to the stored window
/// (`MAX(t, ?2)`, `MAX(t, ?4)`: `t` is later than `?2` only for such a request).
const SLIDING_WINDOW_SQL: &str = "\
    INSERT INTO rate_limits (key, a, b, t, admitted) VALUES (?1, 1, 0, ?2, 1) \
    ON CONFLICT (key) DO UPDATE SET \
      a = (CASE WHEN t = MAX(t, ?2) THEN a ELSE 0 END) + (CASE WHEN \
            (CASE WHEN t = MAX(t, ?2) THEN b WHEN t = ?2 - ?3 THEN a ELSE 0 END) * (?3 - (MAX(t, ?4) - MAX(t, ?2))) \
            + (CASE WHEN t = MAX(t, ?2) THEN a ELSE 0 END) * ?3 < ?5 * ?3 THEN 1 ELSE 0 END), \
      b = CASE WHEN t = MAX(t, ?2) THEN b WHEN t = ?2 - ?3 THEN a ELSE 0 END, \
      admitted = CASE WHEN \
            (CASE WHEN t = MAX(t, ?2) THEN b WHEN t = ?2 - ?3 THEN a ELSE 0 END) * (?3 - (MAX(t, ?4) - MAX(t, ?2))) \
            + (CASE WHEN t = MAX(t, ?2) THEN a ELSE 0 END) * ?3 < ?5 * ?3 THEN 1 ELSE 0 END, \
      t = MAX(t, ?2) \
    RETURNING a, b, t, admitted";

/// The token-bucket arithmetic of [`apply`] as SQL (?1 key, ?2 now, ?3 limit, ?4 window).
const TOKEN_BUCKET_SQL: &str = "\
    INSERT INTO rate_limits (key, a, b, t, admitted) VALUES (?1, ?3 * ?4 - ?4, 0, ?2, 1) \
    ON CONFLICT (key) DO UPDATE SET \
      a = MIN(?3 * ?4, a + MAX(?2 - t, 0) * ?3) - (CASE WHEN MIN(?3 * ?4, a + MAX(?2 - t, 0) * ?3) >= ?4 THEN ?4 ELSE 0 END), \
      admitted = CASE WHEN MIN(?3 * ?4, a + MAX(?2 - t, 0) * ?3) >= ?4 THEN 1 ELSE 0 END, \
      t = MAX(t, ?2) \
    RETURNING a, b, t, admitted";

#[async_trait(?Send)]
impl Counters for SqlCounters {
    async fn acquire(&self, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
        let (w, l) = (spec.window_ms.max(1), spec.limit.max(1));
        let statement = match spec.algorithm {
            Algorithm::SlidingWindow => {
                Statement::new(SLIDING_WINDOW_SQL).bind(key).bind(now - now.rem_euclid(w)).bind(w).bind(now).bind(l)
            }
            Algorithm::TokenBucket => Statement::new(TOKEN_BUCKET_SQL).bind(key).bind(now).bind(l).bind(w),
        };
        let row = self
            .sql
            .query_optional(&statement)
            .await?
            .ok_or_else(|| PortError::other("rate limit upsert returned no row"))?;
        let state = CounterState { a: row.get("a")?, b: row.get("b")?, t: row.get("t")? };
        // About one call in 256 also deletes up to 512 idle counters: two per call on average,
        // while a call creates at most one, so the table cannot grow with every address ever
        // seen. A failure here costs nothing but the pruning.
        if now.rem_euclid(256) == 0 {
            let prune = Statement::new(
                "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE t < ?1 LIMIT 512)",
            )
            .bind(now.saturating_sub(IDLE_AFTER_MS));
            let _ = self.sql.run(&prune).await;
        }
        Ok(decide(spec, state, row.get::<bool>("admitted")?, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(algorithm: Algorithm, limit: i64, window_ms: i64) -> LimitSpec {
        LimitSpec { algorithm, limit, window_ms }
    }

    fn run(spec: &LimitSpec, times: &[i64]) -> Vec<Decision> {
        let mut state = None;
        times
            .iter()
            .map(|now| {
                let (next, decision) = apply(spec, state, *now);
                state = Some(next);
                decision
            })
            .collect()
    }

    #[test]
    fn a_late_request_counts_in_the_window_already_begun() {
        // 2 per second; the second request read its clock first but arrives second.
        let window = spec(Algorithm::SlidingWindow, 2, 1000);
        let decisions = run(&window, &[1001, 999, 1002]);
        let allowed: Vec<bool> = decisions.iter().map(|d| d.allowed).collect();
        assert_eq!(allowed, vec![true, true, false], "the late one was counted, not a reset");
    }

    #[test]
    fn token_bucket_bursts_to_capacity_then_refills_smoothly() {
        // 3 per 3 s: one token per second.
        let bucket = spec(Algorithm::TokenBucket, 3, 3000);
        let decisions = run(&bucket, &[0, 0, 0, 0, 999, 1000, 1000]);
        let allowed: Vec<bool> = decisions.iter().map(|d| d.allowed).collect();
        assert_eq!(allowed, vec![true, true, true, false, false, true, false]);
        assert_eq!(decisions.iter().map(|d| d.remaining).collect::<Vec<_>>(), vec![2, 1, 0, 0, 0, 0, 0]);
        assert_eq!(decisions[3].retry_after_ms, 1000);
        assert_eq!(decisions[4].retry_after_ms, 1);
        assert_eq!(decisions[5].reset_ms, 3000, "empty bucket: full again in 3 s");
        // After a long pause it is full again, never more than capacity.
        assert_eq!(run(&bucket, &[0, 100_000, 100_000, 100_000, 100_000]).iter().filter(|d| d.allowed).count(), 4);
    }

    #[test]
    fn token_bucket_refills_under_constant_load_without_rounding_loss() {
        // 10 per minute, a request every millisecond for a minute: exactly 10 + 10 admitted.
        let bucket = spec(Algorithm::TokenBucket, 10, 60_000);
        let times: Vec<i64> = (0..=60_000).collect();
        assert_eq!(run(&bucket, &times).iter().filter(|d| d.allowed).count(), 20);
    }

    #[test]
    fn sliding_window_weights_the_previous_window() {
        let window = spec(Algorithm::SlidingWindow, 4, 1000);
        // 4 in the first window fill it.
        let first = run(&window, &[100, 200, 300, 400, 500]);
        assert_eq!(first.iter().filter(|d| d.allowed).count(), 4);
        assert_eq!(first[4].retry_after_ms, 500 + 1, "next window, then the previous 4 must decay below the limit");
        // Halfway into the next window the previous 4 count as 2: two more fit.
        let mut state = None;
        for t in [100, 200, 300, 400] {
            state = Some(apply(&window, state, t).0);
        }
        let (s1, d1) = apply(&window, state, 1500);
        let (s2, d2) = apply(&window, Some(s1), 1500);
        let (_, d3) = apply(&window, Some(s2), 1500);
        assert_eq!((d1.allowed, d2.allowed, d3.allowed), (true, true, false));
        assert_eq!(d2.remaining, 0);
        // Two windows later everything is forgotten.
        assert!(apply(&window, Some(s2), 3100).1.allowed);
    }

    #[test]
    fn sliding_window_remaining_and_reset_say_what_the_counter_will_do() {
        let window = spec(Algorithm::SlidingWindow, 4, 1000);
        let arrivals = [100, 200, 300, 400, 1600, 1600, 1700, 2300, 2999, 3000, 3500, 5200];
        let mut state = None;
        for now in arrivals {
            let (next, decision) = apply(&window, state, now);
            // `remaining`: exactly how many more would be admitted at this instant.
            let mut probe = next;
            let mut admitted = 0;
            while let (after, Decision { allowed: true, .. }) = apply(&window, Some(probe), now) {
                probe = after;
                admitted += 1;
            }
            assert_eq!(decision.remaining, admitted, "remaining at {now}");
            // `reset_ms`: by then the whole quota is back.
            let restored = apply(&window, Some(next), now + decision.reset_ms).1;
            assert_eq!(restored.remaining, 3, "full quota {} ms after {now}", decision.reset_ms);
            state = Some(next);
        }
    }

    #[test]
    fn sliding_window_retry_after_is_when_it_would_admit() {
        let window = spec(Algorithm::SlidingWindow, 3, 1000);
        let mut state = None;
        for t in [900, 900, 900, 1100] {
            state = Some(apply(&window, state, t).0);
        }
        // 3 × 0.9 + 1 = 3.7 ≥ 3.
        let (_, refused) = apply(&window, state, 1100);
        assert!(!refused.allowed);
        let wait = refused.retry_after_ms;
        assert!(!apply(&window, state, 1100 + wait - 1).1.allowed, "one ms earlier is still refused");
        assert!(apply(&window, state, 1100 + wait).1.allowed, "Retry-After is honoured");
    }
}
