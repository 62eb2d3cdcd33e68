//! The contract, one module per concern. Each case is a function of the [`Target`].

mod articles;
mod auth;
mod caching;
mod cors;
mod docs;
mod domain;
mod errors;
mod graphql;
mod headers;
mod health;
mod limits;
mod live;
mod rpc;
mod tracing;
mod webhooks;

use std::sync::Arc;

use libtest_mimic::Trial;

use crate::Target;
use crate::client::Outcome;
use crate::exceptions::{self, Handling};

/// A named check.
type Case = (&'static str, fn(&Target) -> Outcome);

/// The cases run together, in parallel.
const GROUPS: &[&[Case]] = &[
    health::CASES,
    errors::CASES,
    headers::CASES,
    cors::CASES,
    auth::CASES,
    domain::CASES,
    limits::CASES,
    caching::CASES,
    articles::CASES,
    tracing::CASES,
    live::CASES,
    rpc::CASES,
    graphql::CASES,
    webhooks::CASES,
    docs::CASES,
];

/// Every case, as trials named `<runtime>::<module>::<case>`.
pub fn trials(target: Arc<Target>) -> Vec<Trial> {
    as_trials(&target, GROUPS.iter().copied().flatten())
}

/// Every case's name, late ones included.
#[cfg_attr(not(test), allow(dead_code))]
pub fn all_names() -> impl Iterator<Item = &'static str> {
    GROUPS.iter().copied().flatten().chain(docs::LATE_CASES).map(|(name, _)| *name)
}

/// Cases that must run alone, after [`trials`] finished (a browser, a fuzzer).
pub fn late_trials(target: Arc<Target>) -> Vec<Trial> {
    as_trials(&target, docs::LATE_CASES.iter())
}

/// Trials for `cases`; a case [`exceptions`] keeps from this runtime is listed as ignored.
fn as_trials<'a>(target: &Arc<Target>, cases: impl Iterator<Item = &'a Case>) -> Vec<Trial> {
    cases
        .map(|&(name, case)| {
            let not_run = exceptions::handling(target.runtime, name) == Some(Handling::NotRun);
            let target = Arc::clone(target);
            Trial::test(format!("{}::{name}", target.runtime), move || case(&target).map_err(Into::into))
                .with_ignored_flag(not_run)
        })
        .collect()
}
