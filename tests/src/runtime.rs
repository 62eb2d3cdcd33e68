//! Starting and stopping the runtimes under test, each on a free loopback port with fresh state.

use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Printed when no Spin binary is available, so a green run cannot be mistaken for a Spin run.
pub const SPIN_SKIPPED_BANNER: &str = "\
################################################################################
##  SPIN SKIPPED: no Spin CLI (SPIN_BIN unset, no `spin` on PATH and no       ##
##  ../shared/tools/spin/install.sh). The contract suite ran against wrangler ##
##  dev only. Install Spin >= 4.1 (see README) or set SPIN_BIN=/path/to/spin. ##
################################################################################";

/// How long a runtime may take to answer `/health` after starting. wrangler builds the Worker
/// first: about 75 s cold on two cores, so this leaves room for a slower machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(420);

/// A runtime the suite can start.
pub enum Runtime {
    /// `wrangler dev` (workerd with local D1/KV).
    Wrangler,
    /// `spin up` with the given binary, or `None` when no binary was found.
    Spin(Option<PathBuf>),
}

impl Runtime {
    /// Its short name.
    pub fn name(&self) -> &'static str {
        match self {
            Runtime::Wrangler => "wrangler",
            Runtime::Spin(_) => "spin",
        }
    }
}

/// The runtimes to test: `CONTRACT_RUNTIMES` (comma-separated) or both.
pub fn selected() -> Vec<Runtime> {
    let wanted = std::env::var("CONTRACT_RUNTIMES").unwrap_or_else(|_| "wrangler,spin".into());
    wanted
        .split(',')
        .map(str::trim)
        .filter_map(|name| match name {
            "wrangler" => Some(Runtime::Wrangler),
            "spin" => Some(Runtime::Spin(find_spin())),
            "" => None,
            other => {
                eprintln!("unknown runtime `{other}` in CONTRACT_RUNTIMES (use wrangler, spin)");
                None
            }
        })
        .collect()
}

/// The Spin CLI `scripts/find-spin.sh` finds (`SPIN_BIN`, `spin` on `PATH`, or the one in
/// `../shared/tools/spin`), if any.
fn find_spin() -> Option<PathBuf> {
    let output = Command::new("bash")
        .arg(project_root().join("scripts/find-spin.sh"))
        .stderr(Stdio::inherit())
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let path = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// A started runtime process (and its children), stopped on drop.
pub struct Instance {
    /// `wrangler` / `spin`, plus `-broken` for the broken twin.
    pub name: String,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Where its output goes.
    pub log_path: PathBuf,
    child: Child,
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The runtime was started in its own process group: stop it and everything it spawned.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// The project root (the workspace folder above `tests/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Starts a healthy instance and a broken twin, one after the other (the builds share files).
pub fn start_pair(runtime: &Runtime) -> Result<(Instance, Instance), String> {
    let work = project_root().join("target/contract").join(runtime.name());
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("create {}: {e}", work.display()))?;
    match runtime {
        Runtime::Wrangler => {
            let healthy = start_wrangler(&work, "wrangler", true)?;
            let broken = start_wrangler(&work, "wrangler-broken", false)?;
            Ok((healthy, broken))
        }
        Runtime::Spin(Some(binary)) => {
            build_spin_components(&work)?;
            let healthy = start_spin(binary, &work, "spin", &project_root().join("spin.toml"))?;
            let broken_manifest = write_broken_spin_manifest(&work)?;
            let broken = start_spin(binary, &work, "spin-broken", &broken_manifest)?;
            Ok((healthy, broken))
        }
        Runtime::Spin(None) => Err("no spin binary".into()),
    }
}

/// `wrangler dev` on fresh local state. The healthy instance gets the migrations; the broken
/// one does not, so its D1 database has no schema (a real failure `/ready` must report).
fn start_wrangler(work: &Path, name: &str, migrate: bool) -> Result<Instance, String> {
    let state = work.join(format!("{name}-state"));
    let log_path = work.join(format!("{name}.log"));
    if migrate {
        let apply = format!("scripts/wrangler d1 migrations apply DB --local --persist-to '{}'", state.display());
        run_logged(&apply, &work.join(format!("{name}-migrations.log")))?;
    }
    let port = free_port()?;
    let inspector = free_port()?;
    // `--var` wins over a developer's .dev.vars, so the suite always knows the keys in use.
    // `--test-scheduled` serves the Cron Trigger on `/__scheduled` (webhooks::…cron… case).
    let vars: String =
        crate::secrets::variables().iter().map(|(name, value)| format!(" --var '{name}:{value}'")).collect();
    let command = format!(
        "exec scripts/wrangler dev --local --ip 127.0.0.1 --port {port} --inspector-port {inspector} \
         --persist-to '{}' --show-interactive-dev-session=false --test-scheduled{vars}",
        state.display()
    );
    spawn_and_wait(name, &command, port, log_path)
}

fn build_spin_components(work: &Path) -> Result<(), String> {
    run_logged("bash scripts/build-spin.sh", &work.join("spin-build.log"))
}

/// The manifest with every `sqlite_databases` grant removed: the components then get
/// "access denied" opening their database, a real missing dependency. It lives under
/// `target/contract/`, outside the application directory, where Spin refuses file mounts: the
/// twin serves no static files (no case reads them from it).
fn write_broken_spin_manifest(work: &Path) -> Result<PathBuf, String> {
    let root = project_root();
    let manifest = fs::read_to_string(root.join("spin.toml")).map_err(|e| format!("read spin.toml: {e}"))?;
    let broken: String = manifest
        .lines()
        .filter(|line| !["sqlite_databases", "files"].iter().any(|key| line.trim_start().starts_with(key)))
        .map(|line| line.replace("source = \"target/", &format!("source = \"{}/target/", root.display())))
        .collect::<Vec<_>>()
        .join("\n");
    let path = work.join("spin-broken.toml");
    fs::write(&path, broken).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}

fn start_spin(binary: &Path, work: &Path, name: &str, manifest: &Path) -> Result<Instance, String> {
    let port = free_port()?;
    let state = work.join(format!("{name}-state"));
    let vars: String =
        crate::secrets::variables().iter().map(|(name, value)| format!("SPIN_VARIABLE_{name}='{value}' ")).collect();
    let command = format!(
        "{vars}exec '{}' up --from '{}' --listen 127.0.0.1:{port} --state-dir '{}'",
        binary.display(),
        manifest.display(),
        state.display()
    );
    spawn_and_wait(name, &command, port, work.join(format!("{name}.log")))
}

fn spawn_and_wait(name: &str, command: &str, port: u16, log_path: PathBuf) -> Result<Instance, String> {
    let log = File::create(&log_path).map_err(|e| format!("create {}: {e}", log_path.display()))?;
    let child = Command::new("bash")
        .args(["-c", command])
        .current_dir(project_root())
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("start {name}: {e}"))?;
    let mut instance =
        Instance { name: name.to_owned(), base_url: format!("http://127.0.0.1:{port}"), log_path, child };
    eprintln!("starting {name} on {} (log: {})", instance.base_url, instance.log_path.display());
    let started = Instant::now();
    let health = format!("{}/health", instance.base_url);
    while started.elapsed() < STARTUP_TIMEOUT {
        if let Ok(Some(status)) = instance.child.try_wait() {
            return Err(format!("{name} exited with {status}; see {}", instance.log_path.display()));
        }
        let answered = crate::client::client().get(&health).timeout(Duration::from_secs(5)).send();
        if answered.is_ok_and(|r| r.status().is_success()) {
            eprintln!("{name} ready after {:.1} s", started.elapsed().as_secs_f64());
            return Ok(instance);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("{name} did not answer {health} within {STARTUP_TIMEOUT:?}; see {}", instance.log_path.display()))
}

fn run_logged(command: &str, log_path: &Path) -> Result<(), String> {
    let log = File::create(log_path).map_err(|e| format!("create {}: {e}", log_path.display()))?;
    let status = Command::new("bash")
        .args(["-c", command])
        .current_dir(project_root())
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .status()
        .map_err(|e| format!("{command}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{command}` failed ({status}); see {}", log_path.display())) }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
