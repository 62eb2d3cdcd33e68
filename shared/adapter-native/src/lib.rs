//! Native adapters: every port implemented in-process, so whole request flows run under
//! `cargo test` in milliseconds, against the same SQL files and the same pipeline as the edge.
//!
//! - [`NativeSql`]: rusqlite (bundled SQLite, in memory), migrated with the shipped files;
//!   [`PlanCheckedSql`] fails a test whose code reads a growing table without an index.
//! - [`MemoryKv`]: a map with TTLs on the port's clock.
//! - [`MapConfig`], [`ManualClock`], [`YieldingTimer`], [`FakeHttp`], [`CapturedLog`]: inspectable test doubles.
//! - [`TestPlatform`]: all of them wired into a [`ports::Platform`], plus a `call` helper that
//!   runs a request through [`web::App`].
//!
//! Compiled out on wasm32: rusqlite's bundled SQLite cannot build for wasm targets.
#![cfg(not(target_arch = "wasm32"))]

mod assets;
mod background;
mod clock;
mod config;
mod harness;
mod http_client;
mod jobs;
mod kv;
mod log;
mod query_plans;
mod sql;
mod timer;

pub use assets::DirectoryAssets;
pub use background::QueuedBackground;
pub use clock::ManualClock;
pub use config::MapConfig;
pub use harness::TestPlatform;
pub use http_client::FakeHttp;
pub use jobs::QueuedJobs;
pub use kv::MemoryKv;
pub use log::CapturedLog;
pub use ports::clock::SystemClock;
pub use query_plans::PlanCheckedSql;
pub use sql::NativeSql;
pub use timer::YieldingTimer;
