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
//! The per-account lock does not apply to client networks that signed in to the account
//! within the last 30 days (the owner's usual places), so attackers elsewhere, failing on
//! purpose, cannot lock the owner out; elsewhere it is short by design (a minute at most),
//! while the pair and IP locks stop the attacker's own clients for much longer. Counters reset
//! after 15 minutes without failures; a successful sign-in clears its pair and account counters.
//!
//! On the pair and account counters an attempt is counted *before* the password or code is
//! checked ([`Attempt::begin`]), in one atomic upsert per key that also sets the lock the new
//! count calls for: however many attempts arrive at once, those past a threshold find the lock
//! and are refused unchecked, and a success clears both ([`Attempt::succeeded`]). The IP
//! counter, shared by everyone behind one address, counts failures only ([`Attempt::failed`]),
//! so sign-ins that succeed never lock a network; bursts from one address are bounded by the
//! `token` rate-limit rule as well.

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

/// How long a client network that signed in stays exempt from the account lock.
const TRUST_MS: i64 = 30 * 24 * 3600 * 1000;

/// The counters one sign-in attempt touches.
pub struct Attempt {
    keys: [(String, &'static Policy); 3],
    /// The account and client network, as a `login_trust` key.
    trust: String,
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
            trust: format!("trust:{account}|{ip}"),
        }
    }

    /// Counts the attempt on the pair and account keys, and refuses it (429 with `Retry-After`)
    /// if any of the three keys was already locked. Call before checking the secret; a refused
    /// attempt checks nothing.
    pub async fn begin(&self, sql: &dyn Sql, now: i64) -> Result<(), Problem> {
        let [pair, ip, account] = &self.keys;
        let statements = [
            count(&pair.0, pair.1, now, None),
            Statement::new(
                "SELECT 1 AS refused, locked_until FROM login_throttle WHERE key = ?1 AND locked_until > ?2",
            )
            .bind(ip.0.as_str())
            .bind(now),
            count(&account.0, account.1, now, Some(&self.trust)),
        ];
        let results = sql.batch(&statements).await?;
        let mut refused_until = None;
        for result in &results {
            let Some(row) = result.rows.first() else { continue };
            if row.get::<bool>("refused")? {
                refused_until = refused_until.max(Some(row.get::<i64>("locked_until")?));
            }
        }
        match refused_until {
            Some(until) => Err(too_many_attempts((until - now + 999) / 1000)),
            None => Ok(()),
        }
    }

    /// Whether this client network signed in to the account within the last 30 days.
    pub async fn is_from_trusted_network(&self, sql: &dyn Sql, now: i64) -> Result<bool, Problem> {
        let trusted = Statement::new("SELECT 1 AS trusted FROM login_trust WHERE key = ?1 AND until > ?2")
            .bind(self.trust.as_str())
            .bind(now);
        Ok(sql.query_optional(&trusted).await?.is_some())
    }

    /// Counts a failed attempt on the IP key (the pair and account keys counted it already).
    pub async fn failed(&self, sql: &dyn Sql, now: i64) -> Result<(), Problem> {
        let (key, policy) = &self.keys[1];
        sql.run(&count(key, policy, now, None)).await?;
        Ok(())
    }

    /// After a successful attempt: clears the pair and account counters (the IP's failures
    /// stay, so a spray across accounts shows), trusts this client network for the account,
    /// and prunes a few stale rows.
    pub async fn succeeded(&self, sql: &dyn Sql, now: i64) -> Result<(), Problem> {
        sql.batch(&[
            Statement::new("DELETE FROM login_throttle WHERE key IN (?1, ?2)")
                .bind(self.keys[0].0.as_str())
                .bind(self.keys[2].0.as_str()),
            Statement::new(
                "INSERT INTO login_trust (key, until) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET until = excluded.until",
            )
            .bind(self.trust.as_str())
            .bind(now + TRUST_MS),
            // Keep both tables from growing without bound (made-up accounts leave rows behind):
            // a few rows that no longer count go with each success.
            Statement::new(
                "DELETE FROM login_throttle WHERE key IN \
                 (SELECT key FROM login_throttle WHERE last_failure < ?1 AND locked_until < ?2 LIMIT 50)",
            )
            .bind(now - RESET_AFTER_MS)
            .bind(now),
            Statement::new(
                "DELETE FROM login_trust WHERE key IN (SELECT key FROM login_trust WHERE until < ?1 LIMIT 50)",
            )
            .bind(now),
        ])
        .await?;
        Ok(())
    }
}

/// One attempt on `key`: the count goes up (from 1 again after a quiet spell), `refused` says
/// whether the key was locked before (in an `UPDATE`, SQLite reads the row's old values), and
/// an unlocked key gets the lock its new count calls for (`lock_for`, in SQL). With `unless`,
/// nothing is counted or refused while that `login_trust` key is current.
fn count(key: &str, policy: &Policy, now: i64, unless: Option<&str>) -> Statement {
    let failures = "(CASE WHEN last_failure < ?3 THEN 1 ELSE failures + 1 END)";
    let lock =
        format!("(CASE WHEN {failures} >= ?4 THEN ?2 + MIN(?5, 1000 * (1 << MIN({failures} - ?4, 20))) ELSE 0 END)");
    let counted = "NOT EXISTS (SELECT 1 FROM login_trust WHERE key = ?6 AND until > ?2)";
    Statement::new(format!(
        "INSERT INTO login_throttle (key, failures, last_failure, locked_until, refused) \
         SELECT ?1, 1, ?2, CASE WHEN ?4 <= 1 THEN ?2 + 1000 ELSE 0 END, 0 WHERE {counted} \
         ON CONFLICT (key) DO UPDATE SET \
           refused = locked_until > ?2, \
           locked_until = CASE WHEN locked_until > ?2 THEN locked_until ELSE {lock} END, \
           failures = {failures}, \
           last_failure = ?2 \
         WHERE {counted} \
         RETURNING refused, locked_until"
    ))
    .bind(key)
    .bind(now)
    .bind(now - RESET_AFTER_MS)
    .bind(policy.threshold)
    .bind(policy.max_lock_ms)
    .bind(unless.unwrap_or(""))
}

fn too_many_attempts(retry_after_seconds: i64) -> Problem {
    let seconds = retry_after_seconds.max(1);
    Problem::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "Too many failed attempts")
        .with_detail(format!("Too many failed sign-in attempts; try again in {seconds} s."))
        .with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
}

#[cfg(test)]
mod tests {
    use adapter_native::TestPlatform;

    use super::*;

    /// What `count` computes in SQL: no lock below the threshold, then 1 s, 2 s, 4 s, … capped.
    fn lock_for(policy: &Policy, failures: i64) -> Option<i64> {
        let over = failures - policy.threshold;
        (over >= 0).then(|| 1000_i64.saturating_mul(1 << over.min(20)).min(policy.max_lock_ms))
    }

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

    #[tokio::test]
    async fn the_sql_count_sets_the_locks_lock_for_describes() {
        let platform = TestPlatform::new().await;
        for policy in [&PAIR, &IP, &ACCOUNT] {
            let key = format!("k{}", policy.threshold);
            let mut now = 1_000_000;
            for failures in 1..=30 {
                let row = platform.sql.query_optional(&count(&key, policy, now, None)).await.unwrap().unwrap();
                assert!(!row.get::<bool>("refused").unwrap(), "attempt {failures} came after the last lock");
                let locked_until: i64 = row.get("locked_until").unwrap();
                let lock = lock_for(policy, failures);
                assert_eq!(locked_until, lock.map_or(0, |lock| now + lock), "{key} #{failures}");
                if lock.is_some_and(|lock| lock >= RESET_AFTER_MS) {
                    break; // the next failure, after this lock, starts counting from 1 again
                }
                now = locked_until.max(now) + 1;
            }
        }
    }

    #[tokio::test]
    async fn sign_ins_that_succeed_never_lock_their_network() {
        let platform = TestPlatform::new().await;
        let sql = &*platform.sql;
        // Nineteen failures on nineteen accounts from one office network...
        for n in 0..19 {
            let attempt = Attempt::new(&format!("user{n}@example.com"), Some("198.51.100.1"));
            attempt.begin(sql, 1_000 + n).await.unwrap();
            attempt.failed(sql, 1_000 + n).await.unwrap();
        }
        // ...then colleagues keep signing in successfully: nobody is locked.
        for n in 0..50 {
            let attempt = Attempt::new(&format!("colleague{n}@example.com"), Some("198.51.100.1"));
            assert!(attempt.begin(sql, 2_000 + n).await.is_ok(), "sign-in {n}");
            attempt.succeeded(sql, 2_000 + n).await.unwrap();
        }
        // The twentieth failure locks the network, as designed.
        let attempt = Attempt::new("user19@example.com", Some("198.51.100.1"));
        attempt.begin(sql, 3_000).await.unwrap();
        attempt.failed(sql, 3_000).await.unwrap();
        let next = Attempt::new("someone@example.com", Some("198.51.100.1"));
        assert_eq!(next.begin(sql, 3_001).await.unwrap_err().code(), "too_many_attempts");
    }

    #[tokio::test]
    async fn a_burst_of_attempts_gets_only_the_threshold_checked() {
        let platform = TestPlatform::new().await;
        let attempt = Attempt::new("victim@example.com", Some("203.0.113.5"));
        let mut checked = 0;
        for _ in 0..8 {
            // All at the same instant, as a concurrent burst lands: none has failed yet.
            if attempt.begin(&*platform.sql, 5_000_000).await.is_ok() {
                checked += 1;
            }
        }
        assert_eq!(checked, PAIR.threshold, "the rest found the lock their predecessors set");
        let refused = attempt.begin(&*platform.sql, 5_000_000).await.unwrap_err();
        assert_eq!(refused.code(), "too_many_attempts");
        // Stale rows of other accounts go with a success.
        let stale = Attempt::new("made-up@example.com", Some("192.0.2.1"));
        stale.begin(&*platform.sql, 1_000).await.unwrap();
        // A success takes its own count back and opens the pair and account locks.
        attempt.succeeded(&*platform.sql, 5_000_001).await.unwrap();
        assert!(attempt.begin(&*platform.sql, 5_000_001).await.is_ok());
        let left = platform
            .sql
            .query(&Statement::new("SELECT key FROM login_throttle WHERE key LIKE '%made-up%'"))
            .await
            .unwrap();
        assert!(left.is_empty(), "stale rows were pruned");
    }
}
