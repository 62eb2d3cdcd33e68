//! Ports: the only view of the platform that handlers get.
//!
//! Each module holds one capability as a trait. Adapter crates (`adapter-cloudflare`,
//! `adapter-spin`, `adapter-native`) implement them; [`Platform`] bundles one implementation
//! of each for a single request. Handlers depend on this crate, never on a runtime SDK.
//!
//! All traits are `?Send`: both edge runtimes run one request on one thread.

pub mod assets;
pub mod background;
pub mod clock;
pub mod config;
pub mod counters;
pub mod error;
pub mod http_client;
pub mod jobs;
pub mod kv;
pub mod log;
pub mod random;
pub mod sql;
pub mod timer;

use std::rc::Rc;

pub use assets::Assets;
pub use background::Background;
pub use clock::Clock;
pub use config::{Config, Remembered, Secret};
pub use counters::Counters;
pub use error::{PortError, PortErrorKind};
pub use http_client::HttpClient;
pub use jobs::Jobs;
pub use kv::Kv;
pub use log::LogSink;
pub use random::Random;
pub use sql::Sql;
pub use timer::Timer;

/// One implementation of every port, shared by everything that serves a request.
///
/// Cloning is cheap (reference counts only).
#[derive(Clone)]
pub struct Platform {
    /// Relational storage (D1, Spin SQLite, rusqlite).
    pub sql: Rc<dyn Sql>,
    /// Key-value storage with TTLs (Workers KV, Spin key-value, memory).
    pub kv: Rc<dyn Kv>,
    /// Configuration variables and secrets.
    pub config: Rc<dyn Config>,
    /// Wall clock.
    pub clock: Rc<dyn Clock>,
    /// Sleeping for a while.
    pub timer: Rc<dyn Timer>,
    /// Cryptographically secure randomness.
    pub random: Rc<dyn Random>,
    /// Outbound HTTP.
    pub http: Rc<dyn HttpClient>,
    /// Exact, atomic rate counters (Durable Objects, SQL).
    pub counters: Rc<dyn Counters>,
    /// Work after the response.
    pub background: Rc<dyn Background>,
    /// Durable jobs (a Cloudflare Queue; none on Spin).
    pub jobs: Rc<dyn Jobs>,
    /// Static files shipped with the deployment.
    pub assets: Rc<dyn Assets>,
    /// Where structured log lines go.
    pub log: Rc<dyn LogSink>,
}
