//! A log sink that keeps lines for assertions.

use std::cell::RefCell;

use ports::LogSink;
use ports::log::Level;

/// Keeps every emitted line (and prints it when `NATIVE_LOG=1`).
#[derive(Debug, Default)]
pub struct CapturedLog {
    lines: RefCell<Vec<(Level, String)>>,
}

impl CapturedLog {
    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().iter().map(|(_, line)| line.clone()).collect()
    }

    /// Lines at `level` or above.
    pub fn at_least(&self, level: Level) -> Vec<String> {
        self.lines.borrow().iter().filter(|(l, _)| *l >= level).map(|(_, line)| line.clone()).collect()
    }
}

impl LogSink for CapturedLog {
    fn emit(&self, level: Level, line: &str) {
        if std::env::var_os("NATIVE_LOG").is_some() {
            eprintln!("{line}");
        }
        self.lines.borrow_mut().push((level, line.to_owned()));
    }
}
