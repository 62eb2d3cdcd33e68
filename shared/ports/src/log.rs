//! Where structured log lines go.

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Routine events (one per request).
    Info,
    /// Something degraded but handled.
    Warn,
    /// A failure an operator should look at.
    Error,
}

impl Level {
    /// The lower-case name used in JSON log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// A sink for complete, already-serialised JSON log lines.
pub trait LogSink {
    /// Writes one line. Implementations must not fail the request.
    fn emit(&self, level: Level, line: &str);
}
