//! Time spent per kind of port call in one request, for `Server-Timing`.

use std::cell::RefCell;
use std::fmt::Write as _;

use crate::PortKind;

/// Calls and milliseconds per kind, for one request.
#[derive(Debug, Default)]
pub struct PortTimings {
    totals: RefCell<[(u32, i64); 4]>,
}

impl PortTimings {
    /// Adds one call of `kind` that took `millis`.
    pub fn add(&self, kind: PortKind, millis: i64) {
        let mut totals = self.totals.borrow_mut();
        let (calls, total) = &mut totals[kind as usize];
        *calls = calls.saturating_add(1);
        *total = total.saturating_add(millis.max(0));
    }

    /// The `Server-Timing` value: each kind that was called (`dur` summed over its calls, so
    /// concurrent calls add up beyond the time they took together), then the request's `total`.
    pub fn header_value(&self, total_ms: i64) -> String {
        let mut value = String::new();
        for kind in PortKind::ALL {
            let (calls, millis) = self.totals.borrow()[kind as usize];
            if calls > 0 {
                let plural = if calls == 1 { "" } else { "s" };
                let _ = write!(value, "{};dur={millis};desc=\"{calls} call{plural}\", ", kind.name());
            }
        }
        let _ = write!(value, "total;dur={}", total_ms.max(0));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_called_kinds_then_the_total() {
        let timings = PortTimings::default();
        assert_eq!(timings.header_value(4), "total;dur=4");
        timings.add(PortKind::Db, 2);
        timings.add(PortKind::Db, 1);
        timings.add(PortKind::Http, 7);
        timings.add(PortKind::Kv, -3);
        assert_eq!(
            timings.header_value(12),
            r#"db;dur=3;desc="2 calls", kv;dur=0;desc="1 call", http;dur=7;desc="1 call", total;dur=12"#
        );
    }
}
