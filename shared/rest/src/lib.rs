//! Conventions shared by the resource functions (customers, products, orders, audit), one
//! module each: money in integer minor units, the two API versions, listing, ETags and
//! `If-Match`, `Idempotency-Key`, audit rows and outbox events written in the same batch as the change, the
//! catalogue's cache keys (shared by the products and orders functions, which both change it),
//! the caching headers of public reads, and the free-text rules they share.

pub mod audit;
pub mod catalog_cache;
pub mod event_access;
pub mod http_caching;
pub mod idempotency;
pub mod listing;
pub mod money;
pub mod outbox;
pub mod preconditions;
pub mod text;
pub mod versions;

#[cfg(feature = "openapi")]
pub mod schemas;
