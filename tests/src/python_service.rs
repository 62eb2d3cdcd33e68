//! A helper service of the suite written in Python (the OTLP and webhook receivers): started
//! once with the suite's Python, on a free loopback port it prints as `listening <port>`, and
//! gone when the suite is (its stdin closes).

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

use crate::runtime::project_root;

/// A running helper.
pub struct PythonService {
    /// Its loopback port.
    pub port: u16,
    /// Held open for the suite's life; the helper exits when it closes.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

impl PythonService {
    /// Starts `tests/<script>` (`.tools/venv/bin/python`, or `PYTHON_BIN`).
    pub fn start(script: &str) -> Result<Self, String> {
        let root = project_root();
        let python =
            std::env::var("PYTHON_BIN").unwrap_or_else(|_| root.join(".tools/venv/bin/python").display().to_string());
        let mut child = Command::new(&python)
            .arg(root.join("tests").join(script))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("start {script} with {python} (run scripts/setup.sh): {e}"))?;
        let stdout = child.stdout.take().ok_or("helper stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("read {script}'s port: {e}"))?;
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("{script} did not start: {line:?}"))?;
        let stdin = child.stdin.take().ok_or("helper stdin")?;
        Ok(Self { port, _stdin: Mutex::new(stdin), _child: Mutex::new(child) })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
