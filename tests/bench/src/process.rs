//! A server the benchmark starts: its own process group (so stopping it stops what it spawned),
//! output into a log file, CPU time from `/proc`, stopped on drop.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process.
pub struct Server {
    name: &'static str,
    child: Child,
    /// Where its stdout and stderr go.
    pub log_path: PathBuf,
}

impl Server {
    /// Starts `command` (stdin closed unless `keep_stdin`), logging to `log_path`.
    pub fn start(name: &'static str, mut command: Command, log_path: &Path, keep_stdin: bool) -> Result<Self, String> {
        let log = File::create(log_path).map_err(|e| format!("create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("log: {e}"))?;
        let child = command
            .stdin(if keep_stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start {name}: {e}"))?;
        Ok(Self { name, child, log_path: log_path.to_path_buf() })
    }

    /// The process (and group) id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time of every process in its group so far (`spin up` runs its trigger as a child).
    pub fn group_cpu_time(&self) -> Option<Duration> {
        let group = self.child.id().to_string();
        let mut total = Duration::ZERO;
        for entry in fs::read_dir("/proc").ok()?.flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            // `pid (comm) state ppid pgrp …`: the command may hold spaces, so count from `)`.
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let pgrp = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(2));
            if pgrp == Some(group.as_str()) {
                total += cpu_time(&pid).unwrap_or_default();
            }
        }
        Some(total)
    }

    /// `Some(reason)` if the process has already exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("{} exited ({status}); see {}", self.name, self.log_path.display())),
            Ok(None) => None,
            Err(e) => Some(format!("{}: {e}", self.name)),
        }
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log_path).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Waits (up to `timeout`) for a log line starting with `prefix`, and returns it.
    pub fn wait_for_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let text = fs::read_to_string(&self.log_path).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.starts_with(prefix)) {
                return Ok(line.to_owned());
            }
            if let Some(reason) = self.exited() {
                return Err(format!("{reason}\n{}", self.log_tail(30)));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("{} printed no `{prefix}` line within {timeout:?}\n{}", self.name, self.log_tail(30)))
    }

    /// Stops the process group: `SIGINT` (Spin shuts down cleanly on it; on SIGTERM it
    /// reports a panicking worker), then `SIGKILL` after 5 s.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "INT", "--", &group]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU time of process `pid` (`self` for this one) so far, all its threads together, from
/// `/proc/PID/task/*/schedstat` (nanoseconds); `None` where that is not available.
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let tasks = fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let text = fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += text.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0);
    }
    Some(Duration::from_nanos(total))
}
