//! The key-value port over SQL (what Spin uses), on the shipped schema.

use std::rc::Rc;
use std::time::Duration;

use adapter_native::{ManualClock, NativeSql, PlanCheckedSql};
use ports::kv::{MIN_TTL, SqlKv};
use ports::random::SystemRandom;
use ports::sql::Statement;
use ports::{Kv, Random, Sql};

/// Randomness whose every draw makes a TTL write purge.
struct AlwaysPurge;

impl Random for AlwaysPurge {
    fn fill(&self, bytes: &mut [u8]) -> Result<(), ports::PortError> {
        bytes.fill(0);
        Ok(())
    }
}

async fn store(random: Rc<dyn Random>) -> (SqlKv, Rc<NativeSql>, Rc<ManualClock>) {
    let sql = NativeSql::migrated().await;
    let clock = Rc::new(ManualClock::at(1_000_000));
    // Every statement the store runs is checked against its query plan.
    (SqlKv::new(Rc::new(PlanCheckedSql::new(sql.clone())), clock.clone(), random), sql, clock)
}

async fn rows(sql: &NativeSql) -> i64 {
    sql.query_optional(&Statement::new("SELECT COUNT(*) AS n FROM kv_entries"))
        .await
        .unwrap()
        .unwrap()
        .get("n")
        .unwrap()
}

#[tokio::test]
async fn values_round_trip_expire_and_are_deleted() {
    let (kv, _, clock) = store(Rc::new(SystemRandom)).await;
    assert_eq!(kv.get("a").await.unwrap(), None);
    kv.put("a", b"one", None).await.unwrap();
    kv.put("b", &[0, 255, 7], Some(Duration::from_secs(1))).await.unwrap();
    assert_eq!(kv.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(kv.get("b").await.unwrap().as_deref(), Some(&[0, 255, 7][..]), "bytes, not text");
    kv.put("a", b"two", None).await.unwrap();
    assert_eq!(kv.get("a").await.unwrap().as_deref(), Some(&b"two"[..]), "overwritten");
    // TTLs round up to the shortest every backend honours.
    clock.advance(i64::try_from(MIN_TTL.as_millis()).unwrap() - 1);
    assert!(kv.get("b").await.unwrap().is_some());
    clock.advance(1);
    assert_eq!(kv.get("b").await.unwrap(), None, "expired");
    kv.delete("a").await.unwrap();
    kv.delete("never-there").await.unwrap();
    assert_eq!(kv.get("a").await.unwrap(), None);
    assert!(kv.get("").await.is_err(), "keys are checked like Workers KV's");
}

#[tokio::test]
async fn listing_pages_live_keys_under_a_prefix() {
    let (kv, _, clock) = store(Rc::new(SystemRandom)).await;
    for key in ["p:1", "p:2", "p:3", "q:1", "p"] {
        kv.put(key, b"v", None).await.unwrap();
    }
    kv.put("p:0-expiring", b"v", Some(MIN_TTL)).await.unwrap();
    clock.advance(i64::try_from(MIN_TTL.as_millis()).unwrap());
    let first = kv.list("p:", None, 2).await.unwrap();
    assert_eq!(first.keys, ["p:1", "p:2"]);
    let second = kv.list("p:", first.cursor.as_deref(), 2).await.unwrap();
    assert_eq!((second.keys, second.cursor), (vec!["p:3".to_owned()], None));
    assert_eq!(kv.list("", None, 10).await.unwrap().keys, ["p", "p:1", "p:2", "p:3", "q:1"]);
}

#[tokio::test]
async fn ttl_writes_purge_expired_entries_in_bounded_batches() {
    let (kv, sql, clock) = store(Rc::new(AlwaysPurge)).await;
    for n in 0..300 {
        kv.put(&format!("old:{n}"), b"v", Some(MIN_TTL)).await.unwrap();
    }
    kv.put("forever", b"v", None).await.unwrap();
    assert_eq!(rows(&sql).await, 301);
    clock.advance(i64::try_from(MIN_TTL.as_millis()).unwrap() + 1);
    kv.put("new", b"v", Some(MIN_TTL)).await.unwrap();
    assert_eq!(rows(&sql).await, 301 - 256 + 1, "one purge deletes at most 256 expired entries");
    kv.put("newer", b"v", Some(MIN_TTL)).await.unwrap();
    assert_eq!(rows(&sql).await, 3, "the next one the rest; live entries stay");
}
