//! Measuring several targets side by side: rounds interleaved (who goes first alternates, so
//! drift on a small machine hits every target alike), with the server's CPU time and, for
//! Workers under the Miniflare host, D1 statements and round trips per request.

use std::time::Duration;

use crate::health::{CpuUse, with_cpu};
use crate::host::{D1Counts, take_d1_counts};
use crate::load::{self, Sample, Target};
use crate::stats::{Summary, micros};

/// One target to measure.
pub struct Contender {
    /// The requests.
    pub target: Target,
    /// Whether its D1 use can be counted (`/__bench/d1` of the Miniflare host).
    pub counts_d1: bool,
}

/// What one target did at one concurrency.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The target's name.
    pub name: &'static str,
    /// How the load was applied (e.g. `2 conns`, `16 conns, new conn/request`).
    pub mode: String,
    /// Every request.
    pub sample: Sample,
    /// Server CPU time over the target's rounds.
    pub server_cpu: Option<Duration>,
    /// D1 work over the target's rounds.
    pub d1: Option<D1Counts>,
}

impl Measurement {
    /// Server CPU time per request.
    pub fn cpu_per_request(&self) -> Option<Duration> {
        let sent = self.sample.sent();
        self.server_cpu.filter(|_| sent > 0).map(|cpu| cpu / sent as u32)
    }

    /// D1 statements and round trips per request.
    pub fn d1_per_request(&self) -> Option<(f64, f64)> {
        let sent = self.sample.sent() as f64;
        self.d1.filter(|_| sent > 0.0).map(|d| (d.statements as f64 / sent, d.round_trips as f64 / sent))
    }

    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        Summary::of(&self.sample).per_second
    }
}

/// Warms every contender up: `requests` sequential requests and a second at `connections`.
pub async fn warm_up(contenders: &[Contender], requests: usize, connections: usize) -> Result<(), String> {
    for contender in contenders {
        load::sequential(&contender.target, requests).await?;
        load::throughput(&contender.target, connections, Duration::from_secs(1)).await?;
        if contender.counts_d1 {
            take_d1_counts(contender.target.address).await?;
        }
    }
    Ok(())
}

/// Measures every contender at `connections` for `total` time each, split into `rounds`.
pub async fn interleaved(
    contenders: &[Contender],
    connections: usize,
    total: Duration,
    rounds: usize,
    mode: &str,
    server_cpu: &dyn Fn() -> Option<Duration>,
) -> Result<Vec<Measurement>, String> {
    let mut measured: Vec<Measurement> = contenders
        .iter()
        .map(|c| Measurement {
            name: c.target.name,
            mode: mode.to_owned(),
            sample: Sample::default(),
            server_cpu: Some(Duration::ZERO),
            d1: c.counts_d1.then(D1Counts::default),
        })
        .collect();
    let round_time = total / rounds.max(1) as u32;
    for round in 0..rounds.max(1) {
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        order.rotate_left(round % contenders.len().max(1));
        for index in order {
            let contender = &contenders[index];
            if contender.counts_d1 {
                take_d1_counts(contender.target.address).await?;
            }
            let (sample, cpu): (Result<Sample, String>, CpuUse) =
                with_cpu(server_cpu, load::throughput(&contender.target, connections, round_time)).await;
            let slot = &mut measured[index];
            slot.sample.merge(sample?);
            slot.server_cpu = slot.server_cpu.zip(cpu.server).map(|(a, b)| a + b);
            if contender.counts_d1 {
                let counts = take_d1_counts(contender.target.address).await?;
                if let Some(total) = &mut slot.d1 {
                    total.statements += counts.statements;
                    total.round_trips += counts.round_trips;
                }
            }
        }
    }
    Ok(measured)
}

/// Prints `rows` as a table.
pub fn print_table(rows: &[Measurement]) {
    println!(
        "{:<16} {:<26} {:>8} {:>6} {:>8} {:>9} {:>9} {:>9} {:>10} {:>11}",
        "target", "mode", "requests", "errors", "req/s", "p50 us", "p99 us", "cpu/req", "D1 stmts", "D1 trips"
    );
    for row in rows {
        let s = Summary::of(&row.sample);
        let (statements, trips) = row
            .d1_per_request()
            .map_or_else(|| ("-".to_owned(), "-".to_owned()), |(s, t)| (format!("{s:.2}"), format!("{t:.2}")));
        println!(
            "{:<16} {:<26} {:>8} {:>6} {:>8.0} {:>9} {:>9} {:>9} {:>10} {:>11}",
            row.name,
            row.mode,
            s.requests,
            s.errors,
            s.per_second,
            micros(s.p50),
            micros(s.p99),
            row.cpu_per_request().map_or_else(|| "n/a".to_owned(), micros),
            statements,
            trips,
        );
    }
    println!("(cpu/req: server CPU us per request, all its threads; D1: statements and round trips per request)");
}
