//! Log lines to the component's stdout/stderr, which Spin collects.

use ports::LogSink;
use ports::log::Level;

/// Writes info lines to stdout and warnings/errors to stderr.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdoutLog;

impl LogSink for StdoutLog {
    fn emit(&self, level: Level, line: &str) {
        match level {
            Level::Info => println!("{line}"),
            Level::Warn | Level::Error => eprintln!("{line}"),
        }
    }
}
