//! The one list of what a runtime cannot do, and why.
//!
//! Every case runs on every runtime unless it is named here. An entry either keeps a case from
//! running on a runtime (it shows as `ignored` and in the summary) or names how the case adapts
//! there; either way the reason is printed at the end of every run. Only things the runtime
//! itself cannot do belong here, never a defect of ours.

/// How a runtime's limitation changes a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// The case does not run on this runtime.
    NotRun,
    /// The case runs, adapted as described.
    Adapted(&'static str),
}

/// One runtime limitation.
#[derive(Debug, Clone, Copy)]
pub struct Exception {
    /// `wrangler` or `spin`.
    pub runtime: &'static str,
    /// The case's name without the runtime prefix, e.g. `errors::…`.
    pub case: &'static str,
    /// What happens to the case.
    pub handling: Handling,
    /// Why: what the runtime does, with the evidence.
    pub reason: &'static str,
}

/// Spin's HTTP trigger refuses non-UTF-8 header values itself.
const SPIN_UTF8_HEADERS: &str = "Spin's HTTP trigger converts every request header value to a UTF-8 string before any \
component runs (spin crates/trigger-http/src/headers.rs, prepare_request_headers) and answers a value that is not \
UTF-8 (e.g. the Latin-1 byte 0xE9) with an empty 500; the component never sees the request. Values that are UTF-8, \
non-ASCII included, reach it and are handled like on the Worker.";

/// Spin has no WebSocket server.
const SPIN_NO_WEBSOCKETS: &str = "Spin's HTTP trigger answers requests and cannot hold a WebSocket \
(wasi:http has no upgrade; spin.toml does not route /v2/ws, so it is the fallback's 404 there). Live updates on Spin \
are Server-Sent Events (GET /v2/events, /v2/orders/{id}/events), which the live:: stream cases check on both runtimes.";

/// Every exception.
pub const EXCEPTIONS: &[Exception] = &[
    Exception {
        runtime: "spin",
        case: "live::a_websocket_gets_rest_changes_and_closes_on_logout",
        handling: Handling::NotRun,
        reason: SPIN_NO_WEBSOCKETS,
    },
    Exception {
        runtime: "spin",
        case: "live::websocket_handshakes_need_a_token_and_sockets_are_capped",
        handling: Handling::NotRun,
        reason: SPIN_NO_WEBSOCKETS,
    },
    Exception {
        runtime: "spin",
        case: "webhooks::the_cron_trigger_delivers_what_is_due",
        handling: Handling::NotRun,
        reason: "Spin ships no cron trigger (its HTTP and Redis triggers start components; spin.toml has no \
schedule). A scheduler calls POST /v2/webhooks/sweep instead, which the other webhooks:: cases use on both runtimes.",
    },
    Exception {
        runtime: "spin",
        case: "errors::header_value_that_is_not_utf8_is_a_problem",
        handling: Handling::NotRun,
        reason: SPIN_UTF8_HEADERS,
    },
    Exception {
        runtime: "spin",
        case: "docs::schemathesis_finds_no_failures",
        handling: Handling::Adapted(
            "generated header values are sent UTF-8-encoded (tests/schemathesis/utf8_headers.py) instead of Latin-1",
        ),
        reason: SPIN_UTF8_HEADERS,
    },
];

/// How `case` runs on `runtime`, if an exception names it.
pub fn handling(runtime: &str, case: &str) -> Option<Handling> {
    EXCEPTIONS.iter().find(|e| e.runtime == runtime && e.case == case).map(|e| e.handling)
}

/// The summary printed after every run, for the runtimes that ran.
pub fn summary(runtimes: &[&str]) -> String {
    let mut text = String::from("runtime exceptions (tests/src/exceptions.rs):\n");
    let mut any = false;
    for exception in EXCEPTIONS.iter().filter(|e| runtimes.contains(&e.runtime)) {
        any = true;
        let what = match exception.handling {
            Handling::NotRun => "not run".to_owned(),
            Handling::Adapted(how) => format!("adapted: {how}"),
        };
        text.push_str(&format!("  - {}::{} ({what})\n      {}\n", exception.runtime, exception.case, exception.reason));
    }
    if !any {
        text.push_str("  none for the runtimes run\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exception_names_a_case_and_a_reason() {
        let names: Vec<&str> = crate::cases::all_names().collect();
        for exception in EXCEPTIONS {
            assert!(names.contains(&exception.case), "no case {}", exception.case);
            assert!(["wrangler", "spin"].contains(&exception.runtime));
            assert!(exception.reason.len() > 40);
        }
    }
}
