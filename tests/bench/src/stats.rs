//! Percentiles and summaries of latency samples.

use std::time::Duration;

use crate::load::Sample;

/// The figures printed for one target and mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Successful requests.
    pub requests: usize,
    /// Failed or non-`200` requests.
    pub errors: u64,
    /// Successful requests per second of wall time.
    pub per_second: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Mean latency.
    pub mean: Duration,
}

/// The `q`-quantile (0..=1) of sorted `values`, nearest rank; zero when empty.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of `values` (sorts a copy).
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    quantile(&sorted, 0.5)
}

impl Summary {
    /// Summarises `sample`.
    pub fn of(sample: &Sample) -> Self {
        let mut sorted = sample.latencies.clone();
        sorted.sort_unstable();
        let total: Duration = sorted.iter().sum();
        let requests = sorted.len();
        let seconds = sample.elapsed.as_secs_f64();
        Self {
            requests,
            errors: sample.errors,
            per_second: if seconds > 0.0 { requests as f64 / seconds } else { 0.0 },
            p50: quantile(&sorted, 0.5),
            p99: quantile(&sorted, 0.99),
            mean: if requests > 0 { total / requests as u32 } else { Duration::ZERO },
        }
    }
}

/// `a / b` as a plain number (`NaN` when `b` is zero).
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Microseconds with one decimal.
pub fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_micros(v)).collect()
    }

    #[test]
    fn nearest_rank_quantiles() {
        let sorted = us(&(1..=100).collect::<Vec<_>>());
        assert_eq!(quantile(&sorted, 0.5), Duration::from_micros(50));
        assert_eq!(quantile(&sorted, 0.99), Duration::from_micros(99));
        assert_eq!(quantile(&sorted, 1.0), Duration::from_micros(100));
        assert_eq!(quantile(&sorted, 0.0), Duration::from_micros(1));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn summary_counts_rate_and_mean() {
        let sample = Sample { latencies: us(&[30, 10, 20]), errors: 1, elapsed: Duration::from_millis(1) };
        let summary = Summary::of(&sample);
        assert_eq!(summary.requests, 3);
        assert_eq!(summary.errors, 1);
        assert_eq!(summary.p50, Duration::from_micros(20));
        assert_eq!(summary.mean, Duration::from_micros(20));
        assert!((summary.per_second - 3000.0).abs() < 1e-6);
        assert_eq!(median(&us(&[5, 1, 3])), Duration::from_micros(3));
    }
}
