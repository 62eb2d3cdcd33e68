//! The cache through the native adapters, counting real SQL statements.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use adapter_native::TestPlatform;
use async_trait::async_trait;
use cache::{Loader, Policy, Source, read_through};
use futures_util::future::join_all;
use web::ports::kv::KeyPage;
use web::ports::sql::Statement;
use web::ports::{Kv, PortError};

const POLICY: Policy = Policy { fresh: Duration::from_secs(30), stale: Duration::from_secs(60) };

/// Loads the schema version from SQL (a real statement), slowly: the clock moves 50 ms.
fn loader(platform: &TestPlatform) -> Loader {
    let platform_ports = platform.platform();
    let clock = platform.clock.clone();
    Rc::new(move || {
        let ports = platform_ports.clone();
        let clock = clock.clone();
        Box::pin(async move {
            // Real databases answer later: let every concurrent reader start first.
            tokio::task::yield_now().await;
            let row = ports.sql.query_optional(&Statement::new("SELECT MAX(version) AS v FROM schema_version")).await?;
            clock.advance(50);
            Ok(row.map(|r| r.get::<i64>("v").unwrap_or(0).to_string().into_bytes()))
        })
    })
}

#[tokio::test]
async fn a_cold_stampede_runs_one_query_and_later_reads_hit_the_tiers() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    let load = loader(&platform);
    let before = platform.sql.statements_run();
    let reads = (0..50).map(|_| read_through(&ports, "stampede", POLICY, Rc::clone(&load)));
    let results = join_all(reads).await;
    // The one load, plus claiming and releasing the key's cross-instance lease.
    assert_eq!(platform.sql.statements_run() - before, 3, "50 concurrent cold reads: lease, one load, release");
    let first = results[0].as_ref().unwrap().0.clone();
    assert!(first.is_some());
    assert!(results.iter().all(|r| r.as_ref().unwrap().0 == first));
    let sources: Vec<Source> = results.iter().map(|r| r.as_ref().unwrap().1).collect();
    assert_eq!(sources.iter().filter(|s| **s == Source::Miss).count(), 1, "one load: {sources:?}");
    assert_eq!(sources.iter().filter(|s| **s == Source::Shared).count(), 49, "the rest took its result");

    let (_, source) = read_through(&ports, "stampede", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Memory);
    cache::clear_memory();
    let (_, source) = read_through(&ports, "stampede", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Kv, "another instance finds it in KV");
    assert_eq!(platform.sql.statements_run() - before, 3);
}

#[tokio::test]
async fn a_reader_waits_for_the_instance_holding_the_lease_then_loads_if_it_stored_nothing() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    // Another instance is loading the key: it holds the lease.
    let cache::lease::Claim::Won(other) = cache::lease::claim(&ports, "contended").await else {
        panic!("the first claim wins")
    };
    assert!(matches!(cache::lease::claim(&ports, "contended").await, cache::lease::Claim::Taken));
    let loads = Rc::new(Cell::new(0));
    let counted = Rc::clone(&loads);
    let load: Loader = Rc::new(move || {
        counted.set(counted.get() + 1);
        Box::pin(async { Ok(Some(b"mine".to_vec())) })
    });
    let reader = read_through(&ports, "contended", POLICY, load);
    let other_finishes = async {
        // The other instance's load finds nothing to store (say the row does not exist).
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(loads.get(), 0, "no load while the lease is held");
        cache::lease::release(&ports, other).await.unwrap();
    };
    let ((value, source), ()) = tokio::join!(async { reader.await.unwrap() }, other_finishes);
    assert_eq!((value.as_deref(), source), (Some(&b"mine"[..]), Source::Miss), "then this one loads");
    assert_eq!(loads.get(), 1);
}

/// KV as Workers KV behaves under a stampede: a read sees the store as it was when the read
/// began, and its answer arrives later (the `n`th read after `n` turns of the executor).
struct SnapshotKv {
    inner: Rc<dyn Kv>,
    reads: Cell<u32>,
}

#[async_trait(?Send)]
impl Kv for SnapshotKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let snapshot = self.inner.get(key).await;
        self.reads.set(self.reads.get() + 1);
        for _ in 0..self.reads.get() {
            tokio::task::yield_now().await;
        }
        snapshot
    }
    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        self.inner.put(key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        self.inner.list(prefix, cursor, limit).await
    }
}

#[tokio::test]
async fn a_load_that_finishes_while_a_reader_waits_on_kv_is_not_repeated() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let mut ports = platform.platform();
    ports.kv = Rc::new(SnapshotKv { inner: ports.kv.clone(), reads: Cell::new(0) });
    let load = loader(&platform);
    let before = platform.sql.statements_run();
    // Later readers wait longer on KV than the first load takes, and KV tells them nothing.
    let reads = (0..20).map(|_| read_through(&ports, "slow-kv", POLICY, Rc::clone(&load)));
    let sources: Vec<Source> = join_all(reads).await.into_iter().map(|r| r.unwrap().1).collect();
    assert_eq!(platform.sql.statements_run() - before, 3, "one load (and its lease): {sources:?}");
    assert_eq!(sources.iter().filter(|s| **s == Source::Miss).count(), 1, "{sources:?}");
    assert!(
        sources.iter().all(|s| matches!(s, Source::Miss | Source::Shared | Source::Memory)),
        "late readers take the loaded value (joined, or from memory): {sources:?}"
    );
}

#[tokio::test]
async fn a_load_that_read_before_a_write_does_not_put_the_old_value_back() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    let row = Rc::new(RefCell::new("old".to_owned()));
    let gate = Rc::new(Cell::new(false));
    let loads = Rc::new(Cell::new(0));
    let load: Loader = {
        let (row, gate, loads) = (Rc::clone(&row), Rc::clone(&gate), Rc::clone(&loads));
        Rc::new(move || {
            let (row, gate, loads) = (Rc::clone(&row), Rc::clone(&gate), Rc::clone(&loads));
            Box::pin(async move {
                loads.set(loads.get() + 1);
                let read = row.borrow().clone();
                while !gate.get() {
                    tokio::task::yield_now().await;
                }
                Ok(Some(read.into_bytes()))
            })
        })
    };
    let reader = read_through(&ports, "raced", POLICY, Rc::clone(&load));
    let writer = async {
        while loads.get() == 0 {
            tokio::task::yield_now().await;
        }
        *row.borrow_mut() = "new".to_owned();
        cache::invalidate(&ports, &["raced".to_owned()]).await;
        gate.set(true);
    };
    let (read, ()) = futures_util::join!(reader, writer);
    assert_eq!(read.unwrap(), (Some(b"old".to_vec()), Source::Miss), "it began before the write");
    let (value, source) = read_through(&ports, "raced", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!((value, source), (Some(b"new".to_vec()), Source::Miss), "the old value was not stored");
    let (value, source) = read_through(&ports, "raced", POLICY, load).await.unwrap();
    assert_eq!((value, source), (Some(b"new".to_vec()), Source::Memory));
}

#[tokio::test]
async fn a_kv_read_that_began_before_a_write_does_not_put_the_old_value_in_memory() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let mut ports = platform.platform();
    ports.kv = Rc::new(SnapshotKv { inner: ports.kv.clone(), reads: Cell::new(0) });
    let row = Rc::new(RefCell::new("old".to_owned()));
    let load: Loader = {
        let row = Rc::clone(&row);
        Rc::new(move || {
            let read = row.borrow().clone();
            Box::pin(async move { Ok(Some(read.into_bytes())) })
        })
    };
    read_through(&ports, "kv-raced", POLICY, Rc::clone(&load)).await.unwrap();
    cache::clear_memory();
    // The reader's KV answer (the old entry) arrives after the write has invalidated the key.
    let reader = read_through(&ports, "kv-raced", POLICY, Rc::clone(&load));
    let writer = async {
        *row.borrow_mut() = "new".to_owned();
        cache::invalidate(&ports, &["kv-raced".to_owned()]).await;
    };
    let (read, ()) = futures_util::join!(reader, writer);
    assert_eq!(read.unwrap(), (Some(b"old".to_vec()), Source::Kv), "it began before the write");
    let (value, source) = read_through(&ports, "kv-raced", POLICY, load).await.unwrap();
    assert_eq!((value, source), (Some(b"new".to_vec()), Source::Miss), "the old value stayed out of memory");
}

#[tokio::test]
async fn stale_entries_are_served_while_a_background_refresh_runs() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    let load = loader(&platform);
    read_through(&ports, "swr", POLICY, Rc::clone(&load)).await.unwrap();
    platform.clock.advance(31_000);
    let before = platform.sql.statements_run();
    let (value, source) = read_through(&ports, "swr", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!((value.is_some(), source), (true, Source::Stale));
    assert_eq!(platform.sql.statements_run(), before, "the stale answer did not wait for SQL");
    assert_eq!(platform.background.pending(), 1);
    let (_, source) = read_through(&ports, "swr", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Stale);
    assert_eq!(platform.background.pending(), 1, "one refresh at a time per key");
    platform.background.run_all().await;
    assert_eq!(platform.sql.statements_run() - before, 1);
    let (_, source) = read_through(&ports, "swr", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Memory, "refreshed");
    // Past the stale window it is a plain miss.
    platform.clock.advance(200_000);
    let (_, source) = read_through(&ports, "swr", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Miss);
}

#[tokio::test]
async fn entries_near_expiry_with_slow_loads_refresh_early() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    let load = loader(&platform);
    read_through(&ports, "early", POLICY, Rc::clone(&load)).await.unwrap();
    // 1 ms before expiry, a 50 ms load: P(early refresh) = 1 − e^(−1/50) per read… no: it is
    // P(−50·ln u ≥ 1) = P(u ≤ e^(−1/50)) ≈ 0.98 per read.
    platform.clock.advance(30_000 - 1);
    let mut scheduled = false;
    for _ in 0..10 {
        let (_, source) = read_through(&ports, "early", POLICY, Rc::clone(&load)).await.unwrap();
        assert_eq!(source, Source::Memory, "still served fresh");
        scheduled |= platform.background.pending() > 0;
    }
    assert!(scheduled, "an early refresh was scheduled");
    // Far from expiry, practically never: P ≈ e^(−29000/50) per read.
    platform.background.run_all().await;
    for _ in 0..10 {
        read_through(&ports, "early", POLICY, Rc::clone(&load)).await.unwrap();
    }
    assert_eq!(platform.background.pending(), 0);
}

#[tokio::test]
async fn kv_outage_falls_through_to_sql_and_is_logged() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    platform.kv.set_outage(true);
    let (value, source) = read_through(&ports, "down", POLICY, loader(&platform)).await.unwrap();
    assert_eq!((value.is_some(), source), (true, Source::Miss));
    assert!(platform.log.lines().iter().any(|l| l.contains("cache_degraded")));
}

#[tokio::test]
async fn invalidation_drops_both_tiers_and_missing_values_are_not_cached() {
    cache::clear_memory();
    let platform = TestPlatform::new().await;
    let ports = platform.platform();
    let load = loader(&platform);
    read_through(&ports, "inv", POLICY, Rc::clone(&load)).await.unwrap();
    cache::invalidate(&ports, &["inv".to_owned()]).await;
    let (_, source) = read_through(&ports, "inv", POLICY, Rc::clone(&load)).await.unwrap();
    assert_eq!(source, Source::Miss);

    let nothing: Loader = Rc::new(|| Box::pin(async { Ok(None) }));
    for _ in 0..2 {
        let (value, source) = read_through(&ports, "absent", POLICY, Rc::clone(&nothing)).await.unwrap();
        assert_eq!((value, source), (None, Source::Miss));
    }
}
