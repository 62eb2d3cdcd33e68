//! The authenticated order read on the Worker against a hand-written Worker doing the same
//! work, and the order write beside it.
//!
//! Both Workers run in one workerd under the Miniflare host with local D1 (one database, shared),
//! KV and the rate-limit Durable Object, under the default rate-limit rules. The deployment is
//! filled through its own API; `--bulk` also loads 10,000 users and 100,000 orders first, to
//! show the figures do not move with the data. Each read carries the customer's bearer token
//! and a new client address (`cf-connecting-ip`), as many clients behind Cloudflare's edge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::json;

use crate::Options;
use crate::api::{ADMIN_EMAIL, Api};
use crate::compare::{self, Contender, Measurement};
use crate::host::{Host, Worker};
use crate::load::{self, Target, random_client_ip};
use crate::stats::{self, Summary};
use crate::timing;

/// The read must reach this share of the baseline's requests/s, at every concurrency.
pub const READ_RATIO_GOAL: f64 = 0.9;
/// And at least this many requests/s at 2 connections.
pub const READ_FLOOR_AT_2: f64 = 900.0;
/// Customers placing the measured orders (the default `writes` rule allows each 120 a minute).
const BUYERS: usize = 24;
/// Requests averaged by each `Server-Timing` probe.
const TIMING_PROBES: usize = 30;
/// The test key of the suite (RFC 8037's example Ed25519 seed), `kid:seed`.
const SIGNING_KEYS: &str = "bench:nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

/// Everything one run of this scenario measured.
pub struct Report {
    /// `fresh database` or the bulk label.
    pub dataset: String,
    /// Reads, ours and the baseline's, at each concurrency.
    pub reads: Vec<Measurement>,
    /// Writes at 2 connections.
    pub writes: Vec<Measurement>,
    /// Where a read's and a write's time goes, from a separate instance with `SERVER_TIMING` on.
    pub timings: Vec<timing::Breakdown>,
    /// `/health` and the read with OpenTelemetry export off and on, at 2 connections.
    pub tracing: Vec<Measurement>,
    /// OTLP exports (and bytes) the tracing-on instance sent during the run.
    pub exports: (u64, u64),
}

/// Bindings of the real Worker: `wrangler.toml`'s vars plus test secrets, default rate limits.
fn orderflow_bindings() -> Vec<(&'static str, String)> {
    vec![
        ("JWT_SIGNING_KEYS", SIGNING_KEYS.to_owned()),
        ("AUTH_SECRET", "YmVuY2gtYXV0aC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg".to_owned()),
        ("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("CORS_ALLOWED_ORIGINS", "http://localhost:3000,https://app.orderflow.example".to_owned()),
        ("CORS_ALLOW_CREDENTIALS", "true".to_owned()),
        ("MAX_BODY_BYTES", "1048576".to_owned()),
        ("JWT_ISSUER", "orderflow".to_owned()),
        ("JWT_AUDIENCE", "orderflow-api".to_owned()),
        // Long enough for the whole run (the default is 15 minutes).
        ("ACCESS_TOKEN_TTL_SECONDS", "7200".to_owned()),
        ("API_DEPRECATION", "@1798761600".to_owned()),
        ("API_SUNSET", "Wed, 30 Jun 2027 00:00:00 GMT".to_owned()),
        ("MAX_ORDER_ITEMS", "50".to_owned()),
        ("MAX_ITEM_QUANTITY", "100".to_owned()),
        ("IDEMPOTENCY_TTL_SECONDS", "86400".to_owned()),
    ]
}

/// 10,000 users (each with a customer profile and a session), 100 products and 100,000 orders
/// of three lines, generated inside SQLite (one D1 batch).
pub fn bulk_sql() -> Vec<String> {
    let numbers = |n: u32| format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    vec![
        format!(
            "{} INSERT INTO users (id, email, password_hash, roles, created_at, updated_at) \
             SELECT printf('bulk-user-%05d', i), printf('bulk%05d@bench.test', i), 'unusable', 'customer', \
             1760000000000 + i, 1760000000000 + i FROM n",
            numbers(10_000)
        ),
        format!(
            "{} INSERT INTO sessions (id, user_id, created_at) \
             SELECT printf('bulk-session-%05d', i), printf('bulk-user-%05d', i), 1760000000000 + i FROM n",
            numbers(10_000)
        ),
        format!(
            "{} INSERT INTO customers (id, user_id, email, name, created_at, updated_at) \
             SELECT printf('bulk-customer-%05d', i), printf('bulk-user-%05d', i), printf('bulk%05d@bench.test', i), \
             'Bulk Customer', 1760000000000 + i, 1760000000000 + i FROM n",
            numbers(10_000)
        ),
        format!(
            "{} INSERT INTO products (id, sku, name, price_minor, currency, stock, created_at, updated_at) \
             SELECT printf('bulk-product-%03d', i), printf('BULK-%03d', i), 'Bulk product', 1000 + i, 'EUR', 1000, \
             1760000000000 + i, 1760000000000 + i FROM n",
            numbers(100)
        ),
        format!(
            "{} INSERT INTO orders (id, customer_id, user_id, status, currency, total_minor, item_count, created_at, updated_at) \
             SELECT printf('bulk-order-%06d', i), printf('bulk-customer-%05d', 1 + i % 10000), \
             printf('bulk-user-%05d', 1 + i % 10000), 'pending', 'EUR', 3300, 3, 1760000000000 + i, 1760000000000 + i FROM n",
            numbers(100_000)
        ),
        format!(
            "{} INSERT INTO order_items (order_id, line, product_id, sku, name, unit_price_minor, quantity, line_total_minor) \
             SELECT printf('bulk-order-%06d', 1 + (i - 1) / 3), 1 + (i - 1) % 3, printf('bulk-product-%03d', 1 + i % 100), \
             'BULK', 'Bulk product', 1100, 1, 1100 FROM n",
            numbers(300_000)
        ),
    ]
}

fn bearer(token: &str) -> Result<(HeaderName, HeaderValue), String> {
    Ok((header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?))
}

/// Runs the scenario; `bulk` loads the large dataset first.
pub async fn run(options: &Options, bulk: bool) -> Result<Report, String> {
    let root = options.root.canonicalize().map_err(|e| format!("project root: {e}"))?;
    let mut sql: Vec<Vec<String>> = migrations::MIGRATIONS
        .iter()
        .map(|m| migrations::split_statements(m.sql).into_iter().map(str::to_owned).collect())
        .collect();
    if bulk {
        sql.push(bulk_sql());
    }
    let (sink_url, sink) = crate::otlp_sink::start()?;
    let workers = [
        Worker {
            name: "ours",
            dir: root.join("target/worker"),
            bindings: orderflow_bindings(),
            d1: true,
            kv: true,
            durable_objects: true,
        },
        // The same Worker with `SERVER_TIMING` on, probed after the timed runs (see `timing`).
        Worker {
            name: "ours-timed",
            dir: root.join("target/worker"),
            bindings: orderflow_bindings().into_iter().chain([("SERVER_TIMING", "true".to_owned())]).collect(),
            d1: true,
            kv: true,
            durable_objects: true,
        },
        // The same Worker exporting every trace and its metrics over OTLP to a local sink.
        Worker {
            name: "ours-traced",
            dir: root.join("target/worker"),
            bindings: orderflow_bindings()
                .into_iter()
                .chain([
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", sink_url.clone()),
                    ("OTEL_METRIC_EXPORT_INTERVAL", "1000".to_owned()),
                ])
                .collect(),
            d1: true,
            kv: true,
            durable_objects: true,
        },
        Worker {
            name: "baseline",
            dir: root.join("target/baseline-worker"),
            bindings: vec![("JWT_SIGNING_KEYS", SIGNING_KEYS.to_owned())],
            d1: true,
            kv: false,
            durable_objects: false,
        },
    ];
    let work_dir = root.join("target/bench").join(if bulk { "orders-bulk" } else { "orders" });
    let mut host = Host::start(&root, &work_dir, crate::workerd::COMPATIBILITY_DATE, &workers, &sql)?;
    let ours = host.address("ours")?;
    let baseline = host.address("baseline")?;
    let timed = host.address("ours-timed")?;
    let traced = host.address("ours-traced")?;

    let api = Api::new(ours, true);
    let seeded = api.seed().await.map_err(|e| format!("seeding: {e}\n{}", host.log_tail(20)))?;
    let path = format!("/v2/orders/{}", seeded.order_id);
    let read = |name: &'static str, address| -> Result<Target, String> {
        let mut target = Target::get(name, address, path.as_str()).with_headers([bearer(&seeded.reader_token)?]);
        target.vary = Some(random_client_ip());
        Ok(target)
    };
    let contenders = [
        Contender { target: read("ours", ours)?, counts_d1: true },
        Contender { target: read("baseline", baseline)?, counts_d1: true },
    ];
    // Both answer 200 with the same JSON, or the comparison means nothing.
    let ours_answer = load::once(&contenders[0].target).await?;
    let baseline_answer = load::once(&contenders[1].target).await?;
    let as_json = |body: &Bytes| serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default();
    if ours_answer.status != StatusCode::OK
        || baseline_answer.status != StatusCode::OK
        || as_json(&ours_answer.body) != as_json(&baseline_answer.body)
    {
        return Err(format!(
            "the two reads differ:\nours {} {}\nbaseline {} {}",
            ours_answer.status,
            String::from_utf8_lossy(&ours_answer.body),
            baseline_answer.status,
            String::from_utf8_lossy(&baseline_answer.body)
        ));
    }
    eprintln!("orders: both Workers answer {path} with the same JSON; warming up");
    compare::warm_up(&contenders, options.warmup, 2).await?;

    let cpu = || host.workerd_cpu();
    let mut reads = Vec::new();
    for connections in [2, 16] {
        eprintln!("orders: reads at {connections} connections, {} rounds", options.rounds);
        let mode = format!("GET, {connections} conns");
        let total = Duration::from_secs_f64(options.seconds);
        reads.extend(compare::interleaved(&contenders, connections, total, options.rounds, &mode, &cpu).await?);
    }

    // Tracing off and on: the same Worker, one instance exporting every trace over OTLP.
    eprintln!("orders: /health and the read with tracing off and on, 2 connections");
    let mut tracing = Vec::new();
    for (off, on) in [
        (Target::get("ours /health", ours, "/health"), Target::get("traced /health", traced, "/health")),
        (read("ours read", ours)?, read("traced read", traced)?),
    ] {
        let pair = [Contender { target: off, counts_d1: false }, Contender { target: on, counts_d1: false }];
        compare::warm_up(&pair, options.warmup, 2).await?;
        let total = Duration::from_secs_f64(options.seconds);
        tracing.extend(compare::interleaved(&pair, 2, total, options.rounds, "2 conns", &cpu).await?);
    }
    let exports = (
        sink.exports.load(std::sync::atomic::Ordering::Relaxed),
        sink.bytes.load(std::sync::atomic::Ordering::Relaxed),
    );

    // Writes: three-line orders with fresh idempotency keys, from a pool of customers.
    eprintln!("orders: creating {BUYERS} customers for the writes");
    let mut tokens = Vec::with_capacity(BUYERS);
    for index in 0..BUYERS {
        tokens.push(
            HeaderValue::from_str(&format!("Bearer {}", api.customer(&format!("buyer{index}@bench.test")).await?))
                .map_err(|e| e.to_string())?,
        );
    }
    let items: Vec<_> = seeded.product_ids.iter().map(|id| json!({"product_id": id, "quantity": 1})).collect();
    let mut write = Target::get("ours (write)", ours, "/v2/orders");
    write.method = Method::POST;
    write.expect = StatusCode::CREATED;
    write.body = Bytes::from(json!({ "items": items }).to_string());
    write.headers.push((header::CONTENT_TYPE, HeaderValue::from_static("application/json")));
    let next = Arc::new(AtomicU64::new(0));
    let client_ip = random_client_ip();
    let tokens = Arc::new(tokens);
    write.vary = Some(Arc::new(move |headers: &mut HeaderMap| {
        let n = next.fetch_add(1, Ordering::Relaxed);
        headers.insert(header::AUTHORIZATION, tokens[n as usize % tokens.len()].clone());
        if let Ok(key) = HeaderValue::from_str(&format!("bench-write-{bulk}-{n}")) {
            headers.insert("idempotency-key", key);
        }
        client_ip(headers);
    }));
    let mut timed_write = write.clone();
    timed_write.address = timed;
    let writers = [Contender { target: write, counts_d1: true }];
    compare::warm_up(&writers, 20, 2).await?;
    eprintln!("orders: writes at 2 connections");
    let write_time = Duration::from_secs_f64(options.write_seconds);
    let writes = compare::interleaved(&writers, 2, write_time, options.rounds, "POST, 2 conns", &cpu).await?;
    let timings = vec![
        timing::probe("GET /v2/orders/{id}", &read("ours-timed", timed)?, TIMING_PROBES).await?,
        timing::probe("POST /v2/orders", &timed_write, TIMING_PROBES).await?,
    ];
    if let Some(reason) = host.exited() {
        return Err(reason);
    }
    let dataset = if bulk { "10,000 users, 100,000 orders (300,000 lines)" } else { "fresh database" };
    Ok(Report { dataset: dataset.to_owned(), reads, writes, timings, tracing, exports })
}

/// Prints one run's tables and the read ratios against the goals.
pub fn print(report: &Report) {
    println!();
    println!("== Authenticated order read: GET /v2/orders/{{id}} (3 lines), ours vs a hand-written Worker ==");
    println!(
        "workerd under Miniflare (direct sockets), local D1/KV/Durable Objects, default rate limits, {}",
        report.dataset
    );
    println!("each request: the customer's bearer token, a new client address (cf-connecting-ip)");
    compare::print_table(&report.reads);
    for pair in report.reads.chunks(2) {
        if let [ours, baseline] = pair {
            let ratio = ours.per_second() / baseline.per_second();
            let verdict = if ratio >= READ_RATIO_GOAL { "MET" } else { "NOT MET" };
            println!("  {}: ours/baseline req/s {ratio:.2} (goal >= {READ_RATIO_GOAL:.2}): {verdict}", ours.mode);
        }
    }
    if let Some(ours) = report.reads.first() {
        let rate = Summary::of(&ours.sample).per_second;
        let verdict = if rate >= READ_FLOOR_AT_2 { "MET" } else { "NOT MET" };
        println!("  ours at 2 conns: {rate:.0} req/s (goal >= {READ_FLOOR_AT_2:.0}): {verdict}");
    }
    println!();
    println!("-- write: POST /v2/orders (3 lines, stock reserved, Idempotency-Key), {} customers --", BUYERS);
    compare::print_table(&report.writes);
    println!();
    timing::print(&report.timings);
    println!();
    println!("-- tracing off vs on: the same Worker, one instance exporting every trace and its metrics over OTLP --");
    compare::print_table(&report.tracing);
    for pair in report.tracing.chunks(2) {
        if let [off, on] = pair {
            let (off_p50, on_p50) = (stats::median(&off.sample.latencies), stats::median(&on.sample.latencies));
            println!(
                "  {} -> {}: req/s on/off {:.2}, p50 {} us -> {} us",
                off.name,
                on.name,
                on.per_second() / off.per_second(),
                off_p50.as_micros(),
                on_p50.as_micros()
            );
        }
    }
    println!("  exports received by the sink: {} ({} bytes)", report.exports.0, report.exports.1);
}
