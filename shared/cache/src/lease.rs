//! Load leases shared by every instance, so a cold key is loaded once, not once per instance.
//!
//! Single-flight ([`crate::flight`]) joins concurrent misses inside one instance. Across
//! instances (many isolates on Workers; Spin's instances, each with its own memory) the
//! instance that misses first claims the key's lease with one atomic SQL upsert; the others
//! find the lease taken and wait, polling KV, for the holder's value to appear there. A wait is
//! bounded, and a failed claim counts as won: the lease saves work, it never blocks a read.

use std::time::Duration;

use ports::sql::Statement;
use ports::{Platform, PortError};

/// How long a lease is honoured if its holder never releases it (it crashed or was cancelled).
pub const LEASE_TTL_MS: i64 = 2_000;
/// How often a waiting instance looks in KV for the holder's value.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// How many looks a waiting instance takes before it loads by itself (about the lease's life).
pub const MAX_WAIT_POLLS: u32 = 200;
/// A waiting instance tries the claim again every this many looks (the holder may be done).
pub const CLAIM_EVERY_POLLS: u32 = 4;
/// How long a claim may take before the reader loads by itself.
const CLAIM_TIMEOUT: Duration = Duration::from_millis(500);

/// A won lease, released by [`release`].
#[derive(Debug)]
pub struct Lease {
    key: String,
    holder: String,
}

/// The outcome of a claim.
#[derive(Debug)]
pub enum Claim {
    /// This instance loads (and then releases the lease).
    Won(Lease),
    /// Another instance is loading the key.
    Taken,
    /// The lease store failed or was slow: load without a lease.
    Unknown(PortError),
}

/// Claims `key`'s lease for [`LEASE_TTL_MS`]: one statement that inserts the lease, or takes
/// over an expired one, and returns a row only when this caller got it.
pub async fn claim(platform: &Platform, key: &str) -> Claim {
    let mut bytes = [0u8; 12];
    if let Err(error) = platform.random.fill(&mut bytes) {
        return Claim::Unknown(error);
    }
    let holder: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = platform.clock.now_millis();
    let statement = Statement::new(
        "INSERT INTO cache_leases (key, holder, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE cache_leases.expires_at <= ?4 RETURNING holder",
    )
    .bind(key)
    .bind(holder.as_str())
    .bind(now + LEASE_TTL_MS)
    .bind(now);
    let claimed = ports::timer::within(&*platform.timer, CLAIM_TIMEOUT, "cache lease", platform.sql.query(&statement));
    match claimed.await {
        Ok(rows) if rows.is_empty() => Claim::Taken,
        Ok(_) => Claim::Won(Lease { key: key.to_owned(), holder }),
        Err(error) => Claim::Unknown(error),
    }
}

/// Gives `lease` up, so the next miss of its key (after an invalidation, say) loads at once.
pub async fn release(platform: &Platform, lease: Lease) -> Result<(), PortError> {
    let statement = Statement::new("DELETE FROM cache_leases WHERE key = ?1 AND holder = ?2")
        .bind(lease.key.as_str())
        .bind(lease.holder.as_str());
    platform.sql.run(&statement).await.map(drop)
}

#[cfg(test)]
mod tests {
    use adapter_native::TestPlatform;

    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_until_released_or_expired() {
        let test = TestPlatform::new().await;
        let platform = test.platform();
        let Claim::Won(first) = claim(&platform, "k").await else { panic!("free lease") };
        assert!(matches!(claim(&platform, "k").await, Claim::Taken));
        assert!(matches!(claim(&platform, "other").await, Claim::Won(_)), "leases are per key");
        release(&platform, first).await.unwrap();
        let Claim::Won(second) = claim(&platform, "k").await else { panic!("released") };
        test.clock.advance(LEASE_TTL_MS);
        let Claim::Won(third) = claim(&platform, "k").await else { panic!("an expired lease is taken over") };
        // The expired holder's release must not free the new holder's lease.
        release(&platform, second).await.unwrap();
        assert!(matches!(claim(&platform, "k").await, Claim::Taken));
        release(&platform, third).await.unwrap();
    }

    #[tokio::test]
    async fn a_failing_store_is_no_obstacle() {
        let test = TestPlatform::new().await;
        use ports::Sql;
        test.sql.run(&Statement::new("DROP TABLE cache_leases")).await.unwrap();
        assert!(matches!(claim(&test.platform(), "k").await, Claim::Unknown(_)));
    }
}
