//! The benchmarks: figures printed side by side with a baseline measured in the same run.
//!
//! ```text
//! bash scripts/bench.sh                          # build every bundle and component, then run this
//! cargo run --release -p bench -- --help         # on what is built already
//! ```
//!
//! Scenarios (all by default, or those `--only` names), each interleaving its targets round by
//! round (alternating who goes first) so that drift on a small machine hits them alike:
//!
//! - `health`: `/health` (the shared middleware) against an empty Rust Worker, under workerd
//!   itself ([`health`]); the goal is a sequential p50 within 15 %.
//! - `orders`: the authenticated `GET /v2/orders/{id}` against a hand-written Worker doing the
//!   same work, at 2 and 16 connections, and `POST /v2/orders` beside it, under Miniflare's
//!   direct sockets with local D1/KV/Durable Objects ([`orders`]); `orders-bulk` the same on a
//!   database holding 10,000 users and 100,000 orders.
//! - `spin`: `/health` and the order read on `spin up`, keep-alive and new connections ([`spin`]).
//!
//! It builds nothing (scripts/bench.sh does). Workers are never measured through `wrangler dev`,
//! whose dev proxy dominates latency under load. The exit code says whether the runs worked
//! (no failed requests), not whether a goal was met: figures are for reading, not a timed test.

mod api;
mod compare;
mod health;
mod host;
mod load;
mod orders;
mod otlp_sink;
mod process;
mod spin;
mod stats;
mod timing;
mod workerd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use http::{HeaderName, HeaderValue};

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

const USAGE: &str = "\
usage: bench [options]
  --only LIST       scenarios to run, comma-separated: health, orders, orders-bulk, spin
                    (default: all; spin is skipped with a note where no Spin CLI is found)
  --spin PATH       the Spin CLI (default: what scripts/find-spin.sh finds)
  --write-seconds T write seconds (orders), over all rounds          (default 5)
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

/// A benchmark scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Health,
    Orders,
    OrdersBulk,
    Spin,
}

impl Scenario {
    const ALL: [Scenario; 4] = [Scenario::Health, Scenario::Orders, Scenario::OrdersBulk, Scenario::Spin];

    fn parse(name: &str) -> Option<Self> {
        Some(match name.trim() {
            "health" => Self::Health,
            "orders" => Self::Orders,
            "orders-bulk" => Self::OrdersBulk,
            "spin" => Self::Spin,
            _ => return None,
        })
    }
}

/// Command-line settings.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    only: Vec<Scenario>,
    spin: Option<PathBuf>,
    write_seconds: f64,
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
            only: Scenario::ALL.to_vec(),
            spin: None,
            write_seconds: 5.0,
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
                "--only",
                "--spin",
                "--write-seconds",
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
                "--only" => {
                    options.only = value
                        .split(',')
                        .map(|n| Scenario::parse(n).ok_or_else(|| format!("--only: unknown scenario `{n}`\n\n{USAGE}")))
                        .collect::<Result<_, _>>()?
                }
                "--spin" => options.spin = Some(PathBuf::from(value)),
                "--write-seconds" => options.write_seconds = number(&name, &value)?,
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
        if options.requests == 0
            || options.connections == 0
            || options.rounds == 0
            || options.seconds <= 0.0
            || options.write_seconds <= 0.0
        {
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

/// Runs the selected scenarios in order, printing each one's report as it finishes.
async fn run(options: &Options) -> Result<(), String> {
    let mut failures = Vec::new();
    for scenario in &options.only {
        let outcome = match scenario {
            Scenario::Health => health::run(options).await,
            Scenario::Orders | Scenario::OrdersBulk => {
                orders::run(options, *scenario == Scenario::OrdersBulk).await.map(|report| orders::print(&report))
            }
            Scenario::Spin => match options.spin.clone().or_else(|| spin::find(&options.root)) {
                Some(binary) => spin::run(options, &binary).await.map(|rows| spin::print(&rows)),
                None => {
                    println!("\n== Spin: SKIPPED (no Spin CLI: set SPIN_BIN or see README) ==");
                    Ok(())
                }
            },
        };
        if let Err(error) = outcome {
            eprintln!("bench {scenario:?}: {error}");
            failures.push(format!("{scenario:?}"));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(format!("failed: {}", failures.join(", "))) }
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
        assert_eq!(parse(&["--only", "orders,spin"]).unwrap().only, [Scenario::Orders, Scenario::Spin]);
        assert!(parse(&["--only", "nope"]).is_err());
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
}
