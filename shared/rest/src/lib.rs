//! Conventions shared by the resource functions (customers, products, orders, audit), one
//! module each: money in integer minor units, the two API versions, listing, ETags and
//! `If-Match`, `Idempotency-Key`, and audit rows written in the same batch as the change.

pub mod audit;
pub mod idempotency;
pub mod listing;
pub mod money;
pub mod preconditions;
pub mod versions;
