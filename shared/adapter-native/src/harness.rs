//! Every native adapter wired into one platform, and a way to send it requests.

use std::rc::Rc;

use bytes::Bytes;
use ports::Platform;
use ports::counters::SqlCounters;
use ports::random::SystemRandom;
use web::{App, Response};

use crate::{
    CapturedLog, DirectoryAssets, FakeHttp, ManualClock, MapConfig, MemoryKv, NativeSql, PlanCheckedSql,
    QueuedBackground, QueuedJobs, YieldingTimer,
};

/// 2026-01-01T00:00:00Z, where test clocks start.
pub const TEST_EPOCH_MILLIS: i64 = 1_767_225_600_000;

/// A native platform with a handle on each adapter, for tests to arrange and inspect.
pub struct TestPlatform {
    /// The SQL database.
    pub sql: Rc<NativeSql>,
    /// The KV store.
    pub kv: Rc<MemoryKv>,
    /// Variables and secrets.
    pub config: Rc<MapConfig>,
    /// A clock that moves only when told.
    pub clock: Rc<ManualClock>,
    /// Outbound HTTP double.
    pub http: Rc<FakeHttp>,
    /// Captured log lines.
    pub log: Rc<CapturedLog>,
    /// Background tasks, run when the test says.
    pub background: Rc<QueuedBackground>,
    /// Queued jobs, taken (and run) when the test says.
    pub jobs: Rc<QueuedJobs>,
    /// Static files (none unless a test points it at a directory).
    pub assets: Rc<DirectoryAssets>,
    /// `sql` as the code under test sees it.
    checked_sql: Rc<PlanCheckedSql>,
}

impl TestPlatform {
    /// A platform whose database has every migration applied.
    pub async fn new() -> Self {
        Self::with_sql(NativeSql::migrated().await)
    }

    /// A platform over a given database (e.g. [`NativeSql::empty`] to test a missing schema).
    pub fn with_sql(sql: Rc<NativeSql>) -> Self {
        let clock = Rc::new(ManualClock::at(TEST_EPOCH_MILLIS));
        Self {
            checked_sql: Rc::new(PlanCheckedSql::new(sql.clone())),
            sql,
            kv: Rc::new(MemoryKv::new(clock.clone())),
            config: Rc::new(MapConfig::default()),
            clock,
            http: Rc::new(FakeHttp::default()),
            log: Rc::new(CapturedLog::default()),
            background: Rc::new(QueuedBackground::default()),
            jobs: Rc::new(QueuedJobs::default()),
            assets: Rc::new(DirectoryAssets::default()),
        }
    }

    /// The ports, as handlers see them: the database checks every statement's query plan
    /// ([`PlanCheckedSql`]).
    pub fn platform(&self) -> Platform {
        let sql = self.checked_sql.clone();
        Platform {
            sql: sql.clone(),
            kv: self.kv.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
            timer: Rc::new(YieldingTimer),
            random: Rc::new(SystemRandom),
            http: self.http.clone(),
            counters: Rc::new(SqlCounters::new(sql)),
            background: self.background.clone(),
            jobs: self.jobs.clone(),
            assets: self.assets.clone(),
            log: self.log.clone(),
        }
    }

    /// Sends `request` through `app` on this platform.
    pub async fn call(&self, app: &App, request: http::Request<Bytes>) -> Response {
        app.handle(request, self.platform()).await
    }

    /// Sends a bodiless request.
    pub async fn send(&self, app: &App, method: &str, uri: &str) -> Response {
        let request = http::Request::builder().method(method).uri(uri).body(Bytes::new()).expect("valid test request");
        self.call(app, request).await
    }
}
