//! `/health` (the shared middleware) against an empty Rust Worker, both served by workerd
//! itself from a capnp config (no Miniflare: `/health` needs no D1 or Durable Object), measured
//! sequentially on one keep-alive connection and at C connections, rounds interleaved.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Options;
use crate::load::{self, Sample, Target};
use crate::process;
use crate::stats::{self, Summary, micros, ratio};
use crate::workerd::{self, HEALTH_VARS, Service, Workerd};

/// The goal: `/health` median latency at most this much above the empty Worker's.
const GOAL: f64 = 0.15;

/// The share of failed requests (non-`200` or transport errors) above which a run is invalid.
pub const MAX_ERROR_SHARE: f64 = 0.001;

/// Cores' worth of CPU used by other processes above which the report warns about noise.
pub const NOISY_OTHERS: f64 = 0.2;

/// How long workerd may take to answer after starting.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The bundle folder: `chosen` if given, else `default`; absolute, since the config names its
/// files relative to `target/bench`.
fn bundle(chosen: Option<&Path>, default: &Path) -> Result<PathBuf, String> {
    let folder = chosen.unwrap_or(default);
    folder
        .canonicalize()
        .map_err(|e| format!("bundle {}: {e} (build both bundles first: scripts/bench.sh does)", folder.display()))
}

/// Raw and `gzip -9` byte counts of one file (`None` for gzip when it cannot be run).
pub fn sizes(path: &Path) -> Result<(u64, Option<u64>), String> {
    let raw = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    // The same measure as scripts/sizes.sh (GNU gzip -9), so the figures can be compared.
    let gzip = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| out.stdout.len() as u64);
    Ok((raw, gzip))
}

/// Per target and mode: everything measured, each round's median, and workerd's CPU time.
#[derive(Default)]
struct Measured {
    sample: Sample,
    round_p50s: Vec<Duration>,
    server_cpu: Option<Duration>,
    client_cpu: Option<Duration>,
}

impl Measured {
    fn add(&mut self, sample: Sample, cpu: CpuUse) {
        let first = self.round_p50s.is_empty();
        let sum = |total: Option<Duration>, more: Option<Duration>| match (first, total, more) {
            (true, _, more) => more,
            (false, Some(total), Some(more)) => Some(total + more),
            _ => None,
        };
        self.server_cpu = sum(self.server_cpu, cpu.server);
        self.client_cpu = sum(self.client_cpu, cpu.client);
        self.round_p50s.push(stats::median(&sample.latencies));
        self.sample.merge(sample);
    }

    fn per_request(&self, cpu: Option<Duration>) -> Option<Duration> {
        let sent = requests(&self.sample);
        cpu.filter(|_| sent > 0).map(|cpu| cpu / sent as u32)
    }
}

/// CPU time spent during one run, by workerd (all its threads) and by this load generator.
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    /// The server's.
    pub server: Option<Duration>,
    /// This load generator's.
    pub client: Option<Duration>,
}

/// Runs `work` and measures the CPU time workerd and this process spent meanwhile.
pub async fn with_cpu<T>(server_cpu: &dyn Fn() -> Option<Duration>, work: impl Future<Output = T>) -> (T, CpuUse) {
    let before = (server_cpu(), process::cpu_time("self"));
    let outcome = work.await;
    let after = (server_cpu(), process::cpu_time("self"));
    let delta = |a: Option<Duration>, b: Option<Duration>| a.zip(b).map(|(a, b)| b.saturating_sub(a));
    (outcome, CpuUse { server: delta(before.0, after.0), client: delta(before.1, after.1) })
}

/// Both targets in one mode.
struct Mode {
    label: String,
    health: Measured,
    empty: Measured,
}

impl Mode {
    fn new(label: String) -> Self {
        Self { label, health: Measured::default(), empty: Measured::default() }
    }

    /// Each round's health/empty median ratio: min, median, max.
    fn round_ratios(&self) -> (f64, f64, f64) {
        let mut ratios: Vec<f64> =
            self.health.round_p50s.iter().zip(&self.empty.round_p50s).map(|(h, e)| ratio(*h, *e)).collect();
        ratios.sort_by(f64::total_cmp);
        let middle = ratios.get(ratios.len().saturating_sub(1) / 2).copied().unwrap_or(f64::NAN);
        (ratios.first().copied().unwrap_or(f64::NAN), middle, ratios.last().copied().unwrap_or(f64::NAN))
    }
}

/// The two targets of round `round`, alternating which goes first.
fn in_round_order<'a>(round: usize, health: &'a Target, empty: &'a Target) -> [&'a Target; 2] {
    if round.is_multiple_of(2) { [health, empty] } else { [empty, health] }
}

fn slot<'a>(mode: &'a mut Mode, target: &Target) -> &'a mut Measured {
    if target.name == "health" { &mut mode.health } else { &mut mode.empty }
}

/// Starts workerd, measures, stops it, prints the report.
pub async fn run(options: &Options) -> Result<(), String> {
    let root = options.root.canonicalize().map_err(|e| format!("project root {}: {e}", options.root.display()))?;
    let binary = options.workerd_binary();
    let health = Service {
        name: "health",
        bundle: bundle(options.health_bundle.as_deref(), &root.join("target/worker"))?,
        vars: HEALTH_VARS,
        kv: Some("KV"),
        address: workerd::free_port().map_err(|e| format!("free port: {e}"))?,
    };
    let empty = Service {
        name: "empty",
        bundle: bundle(options.empty_bundle.as_deref(), &root.join("target/empty-worker"))?,
        vars: &[],
        kv: None,
        address: workerd::free_port().map_err(|e| format!("free port: {e}"))?,
    };
    for service in [&health, &empty] {
        for file in [service.script(), service.wasm()] {
            if !file.is_file() {
                return Err(format!(
                    "missing {} (build both bundles first: bash scripts/bench.sh does)",
                    file.display()
                ));
            }
        }
    }
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .map_err(|e| format!("{}: {e}", binary.display()))?;

    let work_dir = root.join("target/bench");
    std::fs::create_dir_all(&work_dir).map_err(|e| format!("create {}: {e}", work_dir.display()))?;
    let mut server = Workerd::start(&binary, &work_dir, &workerd::config(&work_dir, &[health.clone(), empty.clone()]))?;
    eprintln!("{version} (pid {}) serving health on {} and empty on {}", server.pid(), health.address, empty.address);
    eprintln!("config {}, log {}", work_dir.join("workerd.capnp").display(), server.log_path().display());

    let health_target = Target::get("health", health.address, "/health").with_headers(options.headers.clone());
    let empty_target = Target::get("empty", empty.address, "/").with_headers(options.headers.clone());
    for target in [&health_target, &empty_target] {
        let answer = load::wait_until_up(target, STARTUP_TIMEOUT, || server.exited().map_or(Ok(()), Err))
            .await
            .map_err(|e| format!("{e}\n--- workerd log ---\n{}", server.log_tail(30)))?;
        eprintln!("{} {} -> {} {}", target.name, target.path, answer.status, String::from_utf8_lossy(&answer.body));
    }

    let rounds = options.rounds;
    let per_round = options.requests.div_ceil(rounds);
    let round_time = Duration::from_secs_f64(options.seconds / rounds as f64);
    // Warm-up: V8 tiers the wasm up (Liftoff, then TurboFan) only after enough calls, and the
    // allocator and connection pools settle; none of it is measured.
    eprintln!("warming up: {} sequential requests and 1 s at {} connections each", options.warmup, options.connections);
    for target in [&health_target, &empty_target] {
        load::sequential(target, options.warmup).await?;
        load::throughput(target, options.connections, Duration::from_secs(1)).await?;
    }

    let started = Instant::now();
    let busy_before = (machine_busy(), server.cpu_time(), process::cpu_time("self"));
    let mut sequential = Mode::new("sequential".to_owned());
    for round in 0..rounds {
        eprintln!("sequential round {}/{rounds}: {per_round} requests each", round + 1);
        for target in in_round_order(round, &health_target, &empty_target) {
            let (sample, cpu) = with_cpu(&|| server.cpu_time(), load::sequential(target, per_round)).await;
            slot(&mut sequential, target).add(sample?, cpu);
        }
    }
    let mut concurrent = Mode::new(format!("{} conns x {:.1} s", options.connections, options.seconds));
    for round in 0..rounds {
        eprintln!("throughput round {}/{rounds}: {:.1} s each", round + 1, round_time.as_secs_f64());
        for target in in_round_order(round, &health_target, &empty_target) {
            let (sample, cpu) =
                with_cpu(&|| server.cpu_time(), load::throughput(target, options.connections, round_time)).await;
            slot(&mut concurrent, target).add(sample?, cpu);
        }
    }
    let measuring = started.elapsed();
    let busy_after = (machine_busy(), server.cpu_time(), process::cpu_time("self"));
    let others = match (busy_before, busy_after) {
        ((Some(all0), Some(srv0), Some(me0)), (Some(all1), Some(srv1), Some(me1))) => {
            let ours = srv1.saturating_sub(srv0) + me1.saturating_sub(me0);
            Some(all1.saturating_sub(all0).saturating_sub(ours).as_secs_f64() / measuring.as_secs_f64())
        }
        _ => None,
    };
    if let Some(reason) = server.exited() {
        return Err(format!("workerd stopped during the run: {reason}\n{}", server.log_tail(30)));
    }
    server.stop();

    let context = RunContext { version, measuring, others };
    print_report(&context, options, &[&health, &empty], &[&sequential, &concurrent])
}

/// CPU time the whole machine has spent busy (all cores, not idle or waiting for I/O), from the
/// `cpu` line of `/proc/stat` (in `USER_HZ` = 1/100 s ticks on Linux).
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> =
        stat.lines().next()?.strip_prefix("cpu ")?.split_whitespace().filter_map(|t| t.parse().ok()).collect();
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(Duration::from_millis(total.saturating_sub(idle) * 10))
}

/// What the report says about the run itself.
struct RunContext {
    version: String,
    measuring: Duration,
    /// Cores kept busy on average by other processes while measuring (neither workerd nor this).
    others: Option<f64>,
}

fn print_report(context: &RunContext, options: &Options, services: &[&Service], modes: &[&Mode]) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("== Worker benchmark: /health (shared middleware) vs empty Rust Worker ==");
    let sent: Vec<&str> = std::iter::once("host").chain(options.headers.iter().map(|(n, _)| n.as_str())).collect();
    println!(
        "{}, loopback HTTP/1.1 keep-alive, {} rounds interleaved, {:.1} s measuring",
        context.version,
        options.rounds,
        context.measuring.as_secs_f64()
    );
    println!("request headers: {}", sent.join(", "));
    match context.others {
        Some(others) => {
            println!("{cores} cores; other processes kept {others:.2} cores busy on average while measuring");
            if others > NOISY_OTHERS {
                println!("NOTE: the machine was not quiet; expect noisier figures (run again when it is)");
            }
        }
        None => println!("{cores} cores; CPU use of other processes unknown (no /proc)"),
    }
    println!();
    println!(
        "{:<8} {:<20} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "target", "mode", "requests", "errors", "req/s", "p50 us", "p99 us", "mean us", "srv cpu", "cli cpu"
    );
    for mode in modes {
        for (name, measured) in [("health", &mode.health), ("empty", &mode.empty)] {
            let s = Summary::of(&measured.sample);
            let cpu = |total| measured.per_request(total).map_or_else(|| "n/a".to_owned(), micros);
            println!(
                "{:<8} {:<20} {:>9} {:>7} {:>10.0} {:>9} {:>9} {:>9} {:>9} {:>9}",
                name,
                mode.label,
                s.requests,
                s.errors,
                s.per_second,
                micros(s.p50),
                micros(s.p99),
                micros(s.mean),
                cpu(measured.server_cpu),
                cpu(measured.client_cpu)
            );
        }
    }

    println!("(srv/cli cpu: CPU us per request of workerd, all its threads, and of this load generator)");
    println!();
    println!("ratio of medians, health / empty (goal: <= {:.2}, i.e. within {:.0} %):", 1.0 + GOAL, GOAL * 100.0);
    for mode in modes {
        let h = Summary::of(&mode.health.sample);
        let e = Summary::of(&mode.empty.sample);
        let r = ratio(h.p50, e.p50);
        let (low, middle, high) = mode.round_ratios();
        let verdict = if r <= 1.0 + GOAL { "within goal" } else { "NOT within goal" };
        let cpu = match (mode.health.per_request(mode.health.server_cpu), mode.empty.per_request(mode.empty.server_cpu))
        {
            (Some(h), Some(e)) => {
                format!("; workerd cpu/request {:.3} (+{} us)", ratio(h, e), micros(h.saturating_sub(e)))
            }
            _ => String::new(),
        };
        println!(
            "  {:<20} p50 {:.3} ({:+.1} %, +{} us) {verdict}; per round min/median/max {:.3}/{:.3}/{:.3}; \
             req/s {:.3}{cpu}",
            mode.label,
            r,
            (r - 1.0) * 100.0,
            micros(h.p50.saturating_sub(e.p50)),
            low,
            middle,
            high,
            h.per_second / e.per_second
        );
    }
    let failed: Vec<String> = modes
        .iter()
        .flat_map(|m| [("health", &m.health, &m.label), ("empty", &m.empty, &m.label)])
        .filter(|(_, measured, _)| error_share(&measured.sample) > MAX_ERROR_SHARE)
        .map(|(name, measured, label)| {
            format!("{name} {label}: {} of {} failed", measured.sample.errors, requests(&measured.sample))
        })
        .collect();
    let headline = modes
        .first()
        .map(|m| ratio(Summary::of(&m.health.sample).p50, Summary::of(&m.empty.sample).p50))
        .unwrap_or(f64::NAN);
    let verdict = if !failed.is_empty() {
        "NOT MEASURED (failed requests)"
    } else if headline <= 1.0 + GOAL {
        "MET"
    } else {
        "NOT MET"
    };
    println!("GOAL (sequential p50 within {:.0} % of the empty Worker): {verdict}", GOAL * 100.0);

    println!();
    println!("{:<8} {:<16} {:>10} {:>10}", "bundle", "file", "raw B", "gzip -9 B");
    for service in services {
        for file in [service.wasm(), service.script()] {
            let (raw, gzip) = sizes(&file)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let gzip = gzip.map_or_else(|| "n/a".to_owned(), |g| g.to_string());
            println!("{:<8} {:<16} {:>10} {:>10}", service.name, name, raw, gzip);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("too many failed requests ({}); see target/bench/workerd.log", failed.join("; ")))
    }
}

/// Requests sent, failed or not.
fn requests(sample: &Sample) -> u64 {
    sample.latencies.len() as u64 + sample.errors
}

/// The share of requests that failed (0 when none were sent).
pub fn error_share(sample: &Sample) -> f64 {
    let sent = requests(sample);
    if sent == 0 { 0.0 } else { sample.errors as f64 / sent as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_share_counts_failed_requests() {
        let sample = Sample { latencies: vec![Duration::from_micros(1); 3], errors: 1, elapsed: Duration::ZERO };
        assert_eq!(requests(&sample), 4);
        assert!((error_share(&sample) - 0.25).abs() < 1e-9);
        assert_eq!(error_share(&Sample::default()), 0.0);
    }

    #[test]
    fn rounds_alternate_who_goes_first() {
        let a = Target::get("health", "127.0.0.1:1".parse().unwrap(), "/health");
        let b = Target::get("empty", "127.0.0.1:2".parse().unwrap(), "/");
        assert_eq!(in_round_order(0, &a, &b).map(|t| t.name), ["health", "empty"]);
        assert_eq!(in_round_order(1, &a, &b).map(|t| t.name), ["empty", "health"]);
    }
}
