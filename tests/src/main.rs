//! The contract runner.
//!
//! ```text
//! cargo run -p contract --release              # wrangler dev, and spin up if a spin binary exists
//! CONTRACT_RUNTIMES=wrangler cargo run -p contract
//! CONTRACT_BASE_URL=http://127.0.0.1:8787 cargo run -p contract   # an already running instance
//! cargo run -p contract -- cors                 # libtest-style name filter
//! ```
//!
//! For each runtime it starts a healthy instance (fresh local state, migrations applied) and a
//! deliberately broken one (a real missing dependency), waits for them, runs every case against
//! them in parallel, and stops them. Spin runs when `spin` is on `PATH` or `SPIN_BIN` names it;
//! otherwise the run says loudly that Spin was skipped.

mod cases;
mod client;
mod exceptions;
mod fixtures;
mod hooks;
mod idp;
mod node;
mod otlp;
mod python_service;
mod rpc;
mod runtime;
mod secrets;
mod sse;
mod ws;

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

use crate::runtime::{Instance, Runtime};

/// What a case runs against.
pub struct Target {
    /// `wrangler` or `spin`.
    pub runtime: &'static str,
    /// A healthy instance.
    pub base_url: String,
    /// An instance with a broken dependency (for readiness failures), if one was started.
    pub broken_base_url: Option<String>,
    /// Shared accounts, created on first use.
    pub fixtures: fixtures::Fixtures,
}

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let mut instances: Vec<Instance> = Vec::new();
    let mut trials = Vec::new();
    let mut late = Vec::new();
    let mut ran: Vec<&'static str> = Vec::new();

    if let Ok(base_url) = std::env::var("CONTRACT_BASE_URL") {
        let target = Target {
            runtime: "external",
            base_url,
            broken_base_url: std::env::var("CONTRACT_BROKEN_URL").ok(),
            fixtures: Default::default(),
        };
        let target = Arc::new(target);
        trials.extend(cases::trials(Arc::clone(&target)));
        late.extend(cases::late_trials(target));
    } else {
        for runtime in runtime::selected() {
            match runtime {
                Runtime::Spin(None) => {
                    eprintln!("\n{}\n", runtime::SPIN_SKIPPED_BANNER);
                    trials.push(Trial::test("spin::SKIPPED_no_spin_binary", || Ok(())).with_ignored_flag(true));
                }
                runtime => match runtime::start_pair(&runtime) {
                    Ok((healthy, broken)) => {
                        let target = Target {
                            runtime: runtime.name(),
                            base_url: healthy.base_url.clone(),
                            broken_base_url: Some(broken.base_url.clone()),
                            fixtures: Default::default(),
                        };
                        let target = Arc::new(target);
                        trials.extend(cases::trials(Arc::clone(&target)));
                        late.extend(cases::late_trials(target));
                        ran.push(runtime.name());
                        instances.push(healthy);
                        instances.push(broken);
                    }
                    Err(error) => {
                        eprintln!("could not start {}: {error}", runtime.name());
                        return ExitCode::FAILURE;
                    }
                },
            }
        }
    }

    let conclusion = libtest_mimic::run(&arguments, trials);
    eprintln!("\nlate cases (browser, fuzzer), one at a time:");
    let late_arguments = Arguments { test_threads: Some(1), ..arguments.clone() };
    let late_conclusion = libtest_mimic::run(&late_arguments, late);
    if conclusion.has_failed() || late_conclusion.has_failed() {
        for instance in &instances {
            eprintln!("{} log: {}", instance.name, instance.log_path.display());
        }
    }
    drop(instances);
    eprintln!("\n{}", exceptions::summary(&ran));
    if late_conclusion.has_failed() { late_conclusion.exit_code() } else { conclusion.exit_code() }
}
