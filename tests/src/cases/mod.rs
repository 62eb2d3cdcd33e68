//! The contract, one module per concern. Each case is a function of the [`Target`].

mod auth;
mod caching;
mod cors;
mod docs;
mod domain;
mod errors;
mod headers;
mod health;
mod limits;

use std::sync::Arc;

use libtest_mimic::Trial;

use crate::Target;
use crate::client::Outcome;

/// A named check.
type Case = (&'static str, fn(&Target) -> Outcome);

/// Every case, as trials named `<runtime>::<module>::<case>`.
pub fn trials(target: Arc<Target>) -> Vec<Trial> {
    let cases = [
        health::CASES,
        errors::CASES,
        headers::CASES,
        cors::CASES,
        auth::CASES,
        domain::CASES,
        limits::CASES,
        caching::CASES,
        docs::CASES,
    ];
    as_trials(&target, cases.into_iter().flatten())
}

/// Cases that must run alone, after [`trials`] finished (a browser, a fuzzer).
pub fn late_trials(target: Arc<Target>) -> Vec<Trial> {
    as_trials(&target, docs::LATE_CASES.iter())
}

fn as_trials<'a>(target: &Arc<Target>, cases: impl Iterator<Item = &'a Case>) -> Vec<Trial> {
    cases
        .map(|&(name, case)| {
            let target = Arc::clone(target);
            Trial::test(format!("{}::{name}", target.runtime), move || case(&target).map_err(Into::into))
        })
        .collect()
}
