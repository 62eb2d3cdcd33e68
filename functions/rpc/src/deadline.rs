//! Call deadlines: `Connect-Timeout-Ms` (Connect) and `grpc-timeout` (gRPC-Web) say how long
//! the client waits; past that, the server stops and answers `deadline_exceeded`.

use std::time::Duration;

use http::HeaderMap;
use web::Problem;

/// Connect's timeout header: 1–10 digits of milliseconds.
pub const CONNECT_TIMEOUT: &str = "connect-timeout-ms";
/// gRPC's timeout header: 1–8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
pub const GRPC_TIMEOUT: &str = "grpc-timeout";

/// The timeout the request asks for, if any; 400 `invalid_timeout` when a header is malformed.
pub fn timeout(headers: &HeaderMap) -> Result<Option<Duration>, Problem> {
    let header = |name| headers.get(name).map(|v| v.to_str().map(str::trim).unwrap_or(""));
    if let Some(text) = header(CONNECT_TIMEOUT) {
        return parse_connect(text).map(Some).ok_or_else(|| invalid(CONNECT_TIMEOUT, "1-10 digits of milliseconds"));
    }
    if let Some(text) = header(GRPC_TIMEOUT) {
        return parse_grpc(text).map(Some).ok_or_else(|| invalid(GRPC_TIMEOUT, "1-8 digits and a unit (H M S m u n)"));
    }
    Ok(None)
}

fn invalid(name: &str, form: &str) -> Problem {
    Problem::bad_request("invalid_timeout", format!("`{name}` must be {form}."))
}

fn digits(text: &str, max: usize) -> Option<u64> {
    (!text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse_connect(text: &str) -> Option<Duration> {
    digits(text, 10).map(Duration::from_millis)
}

fn parse_grpc(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let amount = digits(&text[..text.len() - unit.len_utf8()], 8)?;
    Some(match unit {
        'H' => Duration::from_secs(amount * 3600),
        'M' => Duration::from_secs(amount * 60),
        'S' => Duration::from_secs(amount),
        'm' => Duration::from_millis(amount),
        'u' => Duration::from_micros(amount),
        'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &str) -> Result<Option<Duration>, Problem> {
        let mut headers = HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        timeout(&headers)
    }

    #[test]
    fn both_headers_parse() {
        assert_eq!(timeout(&HeaderMap::new()).unwrap(), None);
        assert_eq!(with(CONNECT_TIMEOUT, "1500").unwrap(), Some(Duration::from_millis(1500)));
        assert_eq!(with(GRPC_TIMEOUT, "2S").unwrap(), Some(Duration::from_secs(2)));
        assert_eq!(with(GRPC_TIMEOUT, "250m").unwrap(), Some(Duration::from_millis(250)));
        assert_eq!(with(GRPC_TIMEOUT, "1H").unwrap(), Some(Duration::from_secs(3600)));
        assert_eq!(with(GRPC_TIMEOUT, "10n").unwrap(), Some(Duration::from_nanos(10)));
    }

    #[test]
    fn malformed_timeouts_are_refused() {
        for bad in ["", "-1", "1.5", "12345678901", "ten"] {
            assert_eq!(with(CONNECT_TIMEOUT, bad).unwrap_err().code(), "invalid_timeout", "{bad:?}");
        }
        for bad in ["5", "S", "123456789S", "5x", "5 S"] {
            assert_eq!(with(GRPC_TIMEOUT, bad).unwrap_err().code(), "invalid_timeout", "{bad:?}");
        }
    }
}
