//! Rate limits through the live runtime (rules configured by the suite, see `secrets.rs`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::{access, customer};

pub const CASES: &[Case] = &[
    ("limits::exact_limit_admits_exactly_n_of_100_concurrent", exact_limit_admits_exactly_n_of_100_concurrent),
    ("limits::headers_count_down_and_retry_after_is_honoured", headers_count_down_and_retry_after_is_honoured),
];

fn exact_limit_admits_exactly_n_of_100_concurrent(target: &Target) -> Outcome {
    let (_, tokens) = customer(target, "burst")?;
    let token = access(&tokens);
    // Windows start at multiples of their length since the epoch: keep the burst inside one.
    let window = crate::secrets::BURST_WINDOW_SECONDS;
    let into_window = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs() % window;
    if into_window + 60 > window {
        std::thread::sleep(Duration::from_secs(window - into_window + 1));
    }
    let statuses: Vec<Result<u16, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..100)
            .map(|_| {
                scope.spawn(|| {
                    send(request(Method::GET, &target.base_url, "/v1/users/me").bearer_auth(&token))
                        .map(|r| r.status().as_u16())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
    });
    let statuses: Vec<u16> = statuses.into_iter().collect::<Result<_, _>>()?;
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    ensure_eq(
        (admitted, refused),
        (crate::secrets::BURST_LIMIT, 100 - crate::secrets::BURST_LIMIT),
        "admitted / refused",
    )
}

fn headers_count_down_and_retry_after_is_honoured(target: &Target) -> Outcome {
    let get = || send(request(Method::GET, &target.base_url, "/v2/customers"));
    let mut remaining = Vec::new();
    let refused = loop {
        let response = get()?;
        if response.status().as_u16() == 429 {
            break response;
        }
        ensure_eq(
            header(&response, "ratelimit-policy").as_str(),
            "\"contract-retry\";q=3;w=15, \"all\";q=100000;w=60",
            "policy header",
        )?;
        remaining.push(header(&response, "ratelimit"));
        ensure(remaining.len() <= 6, || format!("never limited: {remaining:?}"))?;
    };
    let counts: Vec<String> = remaining.iter().map(|r| r.split(';').nth(1).unwrap_or_default().to_owned()).collect();
    ensure(counts.windows(2).all(|w| w[0] > w[1]), || format!("remaining must count down: {remaining:?}"))?;
    ensure_eq(counts.last().map(String::as_str), Some("r=0"), "last admitted leaves none")?;
    let retry_after: u64 = header(&refused, "retry-after").parse().map_err(|_| "Retry-After missing".to_owned())?;
    expect_problem(refused, 429, "rate_limited")?;
    // One token comes back every 5 s (3 per 15 s): slow enough that four requests in a row on a
    // busy machine still meet the limit, quick enough to wait for.
    ensure((1..=5).contains(&retry_after), || format!("Retry-After {retry_after}"))?;
    std::thread::sleep(Duration::from_secs(retry_after));
    let after = get()?;
    ensure(after.status().as_u16() != 429, || "still limited after Retry-After".into())
}
