//! Log lines to the Workers console (Workers Logs / `wrangler tail`).

use ports::LogSink;
use ports::log::Level;

/// `console.log` for info, `console.warn`/`console.error` above.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConsoleLog;

impl LogSink for ConsoleLog {
    fn emit(&self, level: Level, line: &str) {
        match level {
            Level::Info => worker::console_log!("{line}"),
            Level::Warn => worker::console_warn!("{line}"),
            Level::Error => worker::console_error!("{line}"),
        }
    }
}
