//! The contract, one module per concern. Each case is a function of the [`Target`].

mod auth;
mod caching;
mod cors;
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
    [
        health::CASES,
        errors::CASES,
        headers::CASES,
        cors::CASES,
        auth::CASES,
        domain::CASES,
        limits::CASES,
        caching::CASES,
    ]
    .into_iter()
    .flatten()
    .map(|&(name, case)| {
        let target = Arc::clone(&target);
        Trial::test(format!("{}::{name}", target.runtime), move || case(&target).map_err(Into::into))
    })
    .collect()
}
