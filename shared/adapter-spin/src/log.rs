//! Log lines to the component's stdout/stderr, which Spin collects.

use std::io::Write;

use ports::LogSink;
use ports::log::Level;

/// Writes info lines to stdout and warnings/errors to stderr.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdoutLog;

impl LogSink for StdoutLog {
    fn emit(&self, level: Level, line: &str) {
        // `write_all` rather than `println!`: no formatting machinery, and a failed log write
        // is dropped instead of panicking.
        fn write(mut out: impl Write, line: &str) {
            let _ = out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n"));
        }
        match level {
            Level::Info => write(std::io::stdout().lock(), line),
            Level::Warn | Level::Error => write(std::io::stderr().lock(), line),
        }
    }
}
