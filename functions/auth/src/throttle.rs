//! Throttling of failed sign-in attempts.
//!
//! Failures are counted per key in `login_throttle`, and after a threshold each further failure
//! locks the key for a doubling time, up to a cap:
//!
//! | key | after | lock grows from | capped at | why |
//! |---|---|---|---|---|
//! | `pair:<account>\|<ip>` | 5 | 1 s | 15 min | one client guessing one account |
//! | `ip:<ip>` | 20 | 1 s | 15 min | one client spraying many accounts |
//! | `acct:<account>` | 10 | 1 s | 60 s | many clients on one account |
//!
//! The per-account lock is short by design: an attacker who fails on purpose can delay a
//! victim's sign-in by at most a minute at a time, never lock them out, while the pair and IP
//! locks stop the attacker's own clients for much longer. Counters reset after 15 minutes
//! without failures; a successful sign-in clears its pair and account counters.

use http::{HeaderValue, StatusCode, header};
use web::Problem;
use web::ports::Sql;
use web::ports::sql::Statement;

/// Failures older than this no longer count.
const RESET_AFTER_MS: i64 = 15 * 60 * 1000;

struct Policy {
    threshold: i64,
    max_lock_ms: i64,
}

const PAIR: Policy = Policy { threshold: 5, max_lock_ms: 15 * 60 * 1000 };
const IP: Policy = Policy { threshold: 20, max_lock_ms: 15 * 60 * 1000 };
const ACCOUNT: Policy = Policy { threshold: 10, max_lock_ms: 60 * 1000 };

/// The counters one sign-in attempt touches.
pub struct Attempt {
    keys: [(String, &'static Policy); 3],
}

impl Attempt {
    /// An attempt on `account` (a normalised email or user id) from `ip` (`unknown` if the
    /// runtime did not say).
    pub fn new(account: &str, ip: Option<&str>) -> Self {
        let ip = ip.unwrap_or("unknown");
        Self {
            keys: [
                (format!("pair:{account}|{ip}"), &PAIR),
                (format!("ip:{ip}"), &IP),
                (format!("acct:{account}"), &ACCOUNT),
            ],
        }
    }

    /// 429 with `Retry-After` while any of the attempt's keys is locked.
    pub async fn check(&self, sql: &dyn Sql, now: i64) -> Result<(), Problem> {
        let rows = sql
            .query(
                &Statement::new(
                    "SELECT MAX(locked_until) AS until FROM login_throttle WHERE key IN (?1, ?2, ?3) AND locked_until > ?4",
                )
                .bind(self.keys[0].0.as_str())
                .bind(self.keys[1].0.as_str())
                .bind(self.keys[2].0.as_str())
                .bind(now),
            )
            .await?;
        match rows.first().map(|row| row.get::<Option<i64>>("until")).transpose()?.flatten() {
            Some(until) => Err(too_many_attempts((until - now + 999) / 1000)),
            None => Ok(()),
        }
    }

    /// Counts a failure on every key and locks those past their threshold.
    pub async fn record_failure(&self, sql: &dyn Sql, now: i64) -> Result<(), Problem> {
        for (key, policy) in &self.keys {
            let row = sql
                .query_optional(
                    &Statement::new(
                        "INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES (?1, 1, ?2, 0) \
                         ON CONFLICT (key) DO UPDATE SET \
                           failures = CASE WHEN last_failure < ?3 THEN 1 ELSE failures + 1 END, last_failure = ?2 \
                         RETURNING failures",
                    )
                    .bind(key.as_str())
                    .bind(now)
                    .bind(now - RESET_AFTER_MS),
                )
                .await?;
            let failures = row.map(|r| r.get::<i64>("failures")).transpose()?.unwrap_or(1);
            if let Some(lock_ms) = lock_for(policy, failures) {
                sql.run(
                    &Statement::new("UPDATE login_throttle SET locked_until = MAX(locked_until, ?2) WHERE key = ?1")
                        .bind(key.as_str())
                        .bind(now + lock_ms),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Clears the pair and account counters after a successful sign-in (the IP counter stays:
    /// one success must not hide a spray across accounts).
    pub async fn record_success(&self, sql: &dyn Sql) -> Result<(), Problem> {
        sql.run(
            &Statement::new("DELETE FROM login_throttle WHERE key IN (?1, ?2)")
                .bind(self.keys[0].0.as_str())
                .bind(self.keys[2].0.as_str()),
        )
        .await?;
        Ok(())
    }
}

/// The lock after the `failures`-th failure: none below the threshold, then 1 s, 2 s, 4 s, …
fn lock_for(policy: &Policy, failures: i64) -> Option<i64> {
    let over = failures - policy.threshold;
    (over >= 0).then(|| 1000_i64.saturating_mul(1 << over.min(20)).min(policy.max_lock_ms))
}

fn too_many_attempts(retry_after_seconds: i64) -> Problem {
    let seconds = retry_after_seconds.max(1);
    Problem::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "Too many failed attempts")
        .with_detail(format!("Too many failed sign-in attempts; try again in {seconds} s."))
        .with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_from_the_threshold_up_to_the_cap() {
        assert_eq!(lock_for(&PAIR, 4), None);
        assert_eq!(lock_for(&PAIR, 5), Some(1000));
        assert_eq!(lock_for(&PAIR, 6), Some(2000));
        assert_eq!(lock_for(&PAIR, 14), Some(512_000));
        assert_eq!(lock_for(&PAIR, 15), Some(900_000));
        assert_eq!(lock_for(&ACCOUNT, 100), Some(60_000), "an account is never locked for more than a minute");
        assert_eq!(lock_for(&IP, 10_000), Some(900_000));
    }
}
