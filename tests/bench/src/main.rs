//! The Worker benchmark: the shared middleware on `/health` against an empty Rust Worker, both
//! served by workerd itself on loopback (not through `wrangler dev`, whose dev proxy dominates
//! latency under load).
//!
//! ```text
//! bash scripts/bench.sh                          # build both bundles, then run this with defaults
//! cargo run --release -p bench -- --help         # on bundles already built
//! ```
//!
//! It builds nothing: it expects `target/worker/` (`scripts/build-worker.sh`) and
//! `target/empty-worker/` (`tests/empty-worker` through worker-build). It writes a workerd config
//! into `target/bench/`, starts workerd (its own process group, stopped at the end or on
//! Ctrl-C), waits until both Workers answer `200`, warms both up, then measures, interleaving
//! the two targets round by round (alternating which goes first) so that drift on a small
//! machine hits both alike:
//!
//! - sequential latency: one keep-alive connection, one request at a time (p50, p99, mean);
//! - throughput: C keep-alive connections for T seconds (requests/s, p50, p99, mean).
//!
//! It prints a table (with workerd's CPU time per request, steadier than latency on a shared
//! machine), the ratio of the medians (health / empty) against the 15 % goal, and the bundles'
//! sizes (raw and `gzip -9`). The exit code says whether the run worked (no failed requests), not
//! whether the goal was met: figures are for reading, not a timed test.
//!
//! Requests carry only `Host` unless `--edge-headers` (what Cloudflare's edge adds, including the
//! client IP) or `--header` say otherwise. The Worker
//! gets its `[vars]` as text bindings and a KV namespace served by an in-memory stub.

mod load;
mod stats;
mod workerd;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};
use load::{Sample, Target};
use stats::{Summary, micros, ratio};
use workerd::{HEALTH_VARS, Service, Workerd};

/// The goal: `/health` median latency at most this much above the empty Worker's.
const GOAL: f64 = 0.15;

/// Headers Cloudflare's edge adds to every request before it reaches a Worker (values made up).
const EDGE_HEADERS: &[&str] = &[
    "cf-connecting-ip: 203.0.113.7",
    "cf-ipcountry: DE",
    "cf-ray: 8f1c2d3e4f5a6b7c-FRA",
    "cf-visitor: {\"scheme\":\"https\"}",
    "x-forwarded-proto: https",
    "x-real-ip: 203.0.113.7",
    "accept-encoding: gzip, br",
];

/// The share of failed requests (non-`200` or transport errors) above which a run is invalid.
const MAX_ERROR_SHARE: f64 = 0.001;

/// Cores' worth of CPU used by other processes above which the report warns about noise.
const NOISY_OTHERS: f64 = 0.2;

/// How long workerd may take to answer after starting.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

const USAGE: &str = "\
usage: bench [options]
  --requests N      sequential requests per target, over all rounds   (default 4000)
  --connections C   concurrent keep-alive connections                  (default 8)
  --seconds T       throughput seconds per target, over all rounds     (default 10)
  --rounds R        interleaved rounds (targets alternate who goes first) (default 5)
  --warmup N        warm-up requests per target before measuring       (default 3000)
  --edge-headers    send what Cloudflare's edge adds to every request (cf-connecting-ip,
                    cf-ray, x-forwarded-proto, ...), to both targets (the default per-IP
                    rate-limit rule spares /health, so this adds header parsing only)
  --header 'N: V'   send this request header too, to both targets (repeatable; by default
                    only Host is sent, like a bare health probe)
  --root DIR        project root (default: the nearest folder at or above the working
                    directory with tests/bench/Cargo.toml, else this crate's workspace)
  --health-bundle DIR  the Worker bundle measured on /health (default: ROOT/target/worker)
  --empty-bundle DIR   the baseline bundle measured on / (default: ROOT/target/empty-worker)
  --workerd PATH    workerd binary (default: $WORKERD_BIN, else
                    node_modules/@cloudflare/workerd-linux-64/bin/workerd)";

/// Command-line settings.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    requests: usize,
    connections: usize,
    seconds: f64,
    rounds: usize,
    warmup: usize,
    headers: Vec<(HeaderName, HeaderValue)>,
    root: PathBuf,
    health_bundle: Option<PathBuf>,
    empty_bundle: Option<PathBuf>,
    workerd: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            requests: 4000,
            connections: 8,
            seconds: 10.0,
            rounds: 5,
            warmup: 3000,
            headers: Vec::new(),
            root: default_root(),
            health_bundle: None,
            empty_bundle: None,
            workerd: None,
        }
    }
}

impl Options {
    /// Parses `--name value` pairs: `Ok(None)` for `--help`, `Err` with the message to print.
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Self>, String> {
        fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
            value.parse().map_err(|_| format!("{name}: `{value}` is not a valid number\n\n{USAGE}"))
        }
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(name) = args.next() {
            if name == "--help" || name == "-h" {
                return Ok(None);
            }
            if name == "--edge-headers" {
                options.headers.extend(EDGE_HEADERS.iter().map(|h| parse_header(h).expect("valid edge header")));
                continue;
            }
            let known = [
                "--requests",
                "--connections",
                "--seconds",
                "--rounds",
                "--warmup",
                "--header",
                "--root",
                "--health-bundle",
                "--empty-bundle",
                "--workerd",
            ];
            if !known.contains(&name.as_str()) {
                return Err(format!("unknown option {name}\n\n{USAGE}"));
            }
            let value = args.next().ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))?;
            match name.as_str() {
                "--requests" => options.requests = number(&name, &value)?,
                "--connections" => options.connections = number(&name, &value)?,
                "--seconds" => options.seconds = number(&name, &value)?,
                "--rounds" => options.rounds = number(&name, &value)?,
                "--warmup" => options.warmup = number(&name, &value)?,
                "--header" => options.headers.push(parse_header(&value)?),
                "--root" => options.root = PathBuf::from(value),
                "--health-bundle" => options.health_bundle = Some(PathBuf::from(value)),
                "--empty-bundle" => options.empty_bundle = Some(PathBuf::from(value)),
                _ => options.workerd = Some(PathBuf::from(value)),
            }
        }
        if options.requests == 0 || options.connections == 0 || options.rounds == 0 || options.seconds <= 0.0 {
            return Err(format!("requests, connections, rounds and seconds must be positive\n\n{USAGE}"));
        }
        Ok(Some(options))
    }

    fn workerd_binary(&self) -> PathBuf {
        self.workerd
            .clone()
            .or_else(|| std::env::var_os("WORKERD_BIN").filter(|v| !v.is_empty()).map(PathBuf::from))
            .unwrap_or_else(|| self.root.join("node_modules/@cloudflare/workerd-linux-64/bin/workerd"))
    }
}

/// The project root: the nearest folder at or above the working directory that holds
/// `tests/bench/Cargo.toml` (`cargo run` and scripts/bench.sh run from inside the project), else
/// the workspace this binary was built from.
fn default_root() -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().find(|dir| dir.join("tests/bench/Cargo.toml").is_file()).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// `name: value` as a request header.
fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let invalid = || format!("--header: `{text}` is not `name: value`\n\n{USAGE}");
    let (name, value) = text.split_once(':').ok_or_else(invalid)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| invalid())?;
    Ok((name, value))
}

/// The bundle folder: `chosen` if given, else `default`; absolute, since the config names its
/// files relative to `target/bench`.
fn bundle(chosen: Option<&Path>, default: &Path) -> Result<PathBuf, String> {
    let folder = chosen.unwrap_or(default);
    folder
        .canonicalize()
        .map_err(|e| format!("bundle {}: {e} (build both bundles first: scripts/bench.sh does)", folder.display()))
}

/// Raw and `gzip -9` byte counts of one file (`None` for gzip when it cannot be run).
fn sizes(path: &Path) -> Result<(u64, Option<u64>), String> {
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
struct CpuUse {
    server: Option<Duration>,
    client: Option<Duration>,
}

/// Runs `work` and measures the CPU time workerd and this process spent meanwhile.
async fn with_cpu<T>(server: &Workerd, work: impl Future<Output = T>) -> (T, CpuUse) {
    let before = (server.cpu_time(), workerd::process_cpu_time("self"));
    let outcome = work.await;
    let after = (server.cpu_time(), workerd::process_cpu_time("self"));
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
async fn run(options: &Options) -> Result<(), String> {
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
    eprintln!("config {}, log {}", work_dir.join("workerd.capnp").display(), server.log_path.display());

    let health_target =
        Target { name: "health", address: health.address, path: "/health", headers: options.headers.clone() };
    let empty_target = Target { name: "empty", address: empty.address, path: "/", headers: options.headers.clone() };
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
    let busy_before = (machine_busy(), server.cpu_time(), workerd::process_cpu_time("self"));
    let mut sequential = Mode::new("sequential".to_owned());
    for round in 0..rounds {
        eprintln!("sequential round {}/{rounds}: {per_round} requests each", round + 1);
        for target in in_round_order(round, &health_target, &empty_target) {
            let (sample, cpu) = with_cpu(&server, load::sequential(target, per_round)).await;
            slot(&mut sequential, target).add(sample?, cpu);
        }
    }
    let mut concurrent = Mode::new(format!("{} conns x {:.1} s", options.connections, options.seconds));
    for round in 0..rounds {
        eprintln!("throughput round {}/{rounds}: {:.1} s each", round + 1, round_time.as_secs_f64());
        for target in in_round_order(round, &health_target, &empty_target) {
            let (sample, cpu) = with_cpu(&server, load::throughput(target, options.connections, round_time)).await;
            slot(&mut concurrent, target).add(sample?, cpu);
        }
    }
    let measuring = started.elapsed();
    let busy_after = (machine_busy(), server.cpu_time(), workerd::process_cpu_time("self"));
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
fn machine_busy() -> Option<Duration> {
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
fn error_share(sample: &Sample) -> f64 {
    let sent = requests(sample);
    if sent == 0 { 0.0 } else { sample.errors as f64 / sent as f64 }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(e) => {
            eprintln!("SIGTERM handler: {e}");
            return ExitCode::FAILURE;
        }
    };
    // On a signal the run is dropped, and with it workerd (its own process group gets no Ctrl-C).
    let outcome = tokio::select! {
        outcome = run(&options) => outcome,
        _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
        _ = terminate.recv() => Err("terminated".to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|a| (*a).to_owned())).map(|o| o.expect("not --help"))
    }

    #[test]
    fn parses_options_and_defaults() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let options = parse(&["--requests", "10", "--connections", "2", "--seconds", "0.5", "--rounds", "1"]).unwrap();
        assert_eq!((options.requests, options.connections, options.rounds), (10, 2, 1));
        assert_eq!(options.seconds, 0.5);
        assert!(parse(&["--requests"]).is_err());
        assert!(parse(&["--requests", "x"]).is_err());
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--bogus", "1"]).is_err());
        assert_eq!(Options::parse(["--help".to_owned()]), Ok(None));
        let options = parse(&["--header", "Accept: application/json", "--header", "x-a:b"]).unwrap();
        assert_eq!(options.headers.len(), 2);
        assert_eq!(options.headers[0].0, "accept");
        assert_eq!(options.headers[0].1, "application/json");
        assert!(parse(&["--header", "no colon"]).is_err());
        let options = parse(&["--edge-headers", "--rounds", "2"]).unwrap();
        assert_eq!(options.headers.len(), EDGE_HEADERS.len());
        assert_eq!(options.rounds, 2);
    }

    #[test]
    fn error_share_counts_failed_requests() {
        let sample = Sample { latencies: vec![Duration::from_micros(1); 3], errors: 1, elapsed: Duration::ZERO };
        assert_eq!(requests(&sample), 4);
        assert!((error_share(&sample) - 0.25).abs() < 1e-9);
        assert_eq!(error_share(&Sample::default()), 0.0);
    }

    #[test]
    fn rounds_alternate_who_goes_first() {
        let a = Target { name: "health", address: "127.0.0.1:1".parse().unwrap(), path: "/health", headers: vec![] };
        let b = Target { name: "empty", address: "127.0.0.1:2".parse().unwrap(), path: "/", headers: vec![] };
        assert_eq!(in_round_order(0, &a, &b).map(|t| t.name), ["health", "empty"]);
        assert_eq!(in_round_order(1, &a, &b).map(|t| t.name), ["empty", "health"]);
    }
}
