//! The same reads on Spin: `/health` and the authenticated `GET /v2/orders/{id}` on `spin up`
//! (the release components, local SQLite), on keep-alive connections and
//! on a new connection per request, at 2 and 16 connections.
//!
//! Spin reads the client address from the socket, so every connection comes from its own
//! loopback address (`127.x.y.z`): the default per-IP rule then sees many clients, as the
//! Worker's reads do through `cf-connecting-ip`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Options;
use crate::api::{ADMIN_EMAIL, Api};
use crate::compare::{self, Contender, Measurement};
use crate::load::{self, Target};
use crate::process::Server;

/// How long `spin up` may take to compile the components and answer.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(180);

/// The Spin CLI `scripts/find-spin.sh` finds, if any.
pub fn find(root: &Path) -> Option<PathBuf> {
    let output = Command::new("bash").arg(root.join("scripts/find-spin.sh")).output().ok()?;
    let path = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// Runs the scenario with `spin` (the binary).
pub async fn run(options: &Options, spin: &Path) -> Result<Vec<Measurement>, String> {
    let root = options.root.canonicalize().map_err(|e| format!("project root: {e}"))?;
    let work_dir = root.join("target/bench/spin");
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir).map_err(|e| format!("create {}: {e}", work_dir.display()))?;
    let address = crate::workerd::free_port().map_err(|e| format!("free port: {e}"))?;
    let mut command = Command::new(spin);
    command
        .args(["up", "--from"])
        .arg(root.join("spin.toml"))
        .arg("--listen")
        .arg(address.to_string())
        .arg("--state-dir")
        .arg(work_dir.join("state"))
        .current_dir(&root)
        .env("SPIN_VARIABLE_JWT_SIGNING_KEYS", "bench:nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
        .env("SPIN_VARIABLE_AUTH_SECRET", "YmVuY2gtYXV0aC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg")
        .env("SPIN_VARIABLE_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("SPIN_VARIABLE_ACCESS_TOKEN_TTL_SECONDS", "7200");
    let mut server = Server::start("spin", command, &work_dir.join("spin.log"), false)?;
    let health = Target::get("spin /health", address, "/health");
    load::wait_until_up(&health, STARTUP_TIMEOUT, || server.exited().map_or(Ok(()), Err)).await?;

    let seeded = Api::new(address, false).seed().await.map_err(|e| format!("seeding Spin: {e}"))?;
    let bearer = http::HeaderValue::from_str(&format!("Bearer {}", seeded.reader_token)).map_err(|e| e.to_string())?;
    let order = Target::get("spin order", address, format!("/v2/orders/{}", seeded.order_id))
        .with_headers([(http::header::AUTHORIZATION, bearer)]);
    let cpu = || server.group_cpu_time();
    let mut rows = Vec::new();
    for fresh in [false, true] {
        let contenders: Vec<Contender> = [&health, &order]
            .into_iter()
            .map(|target| {
                let mut target = target.clone();
                target.spread_sources = true;
                target.fresh_connections = fresh;
                Contender { target, counts_d1: false }
            })
            .collect();
        compare::warm_up(&contenders, if fresh { 200 } else { 20 }, 2).await?;
        for connections in [2, 16] {
            let mode = format!("{connections} conns, {}", if fresh { "new conn/request" } else { "keep-alive" });
            eprintln!("spin: {mode}");
            // Keep-alive connections stall ~44 ms a response (see README): fewer requests to wait for.
            let seconds = if fresh { options.seconds } else { options.seconds.min(4.0) };
            let total = Duration::from_secs_f64(seconds);
            rows.extend(compare::interleaved(&contenders, connections, total, options.rounds, &mode, &cpu).await?);
        }
    }
    if let Some(reason) = server.exited() {
        return Err(reason);
    }
    Ok(rows)
}

/// Prints the Spin table.
pub fn print(rows: &[Measurement]) {
    println!();
    println!("== Spin: /health and the authenticated GET /v2/orders/{{id}} on spin up ==");
    println!("release components, local SQLite, default rate limits; one loopback address per connection");
    compare::print_table(rows);
}
