//! Orders, as rules: what every face (REST under `/vN/orders`, the Protobuf `OrderService`)
//! calls, so that each rule exists once.
//!
//! - [`placing`]: pricing the lines, reserving stock and creating the order in one SQL batch,
//!   under an idempotency key;
//! - [`status`]: the status machine; [`lifecycle`]: moving, cancelling (restocks) and deleting,
//!   each with its audit row and outbox event in the change's own batch;
//! - [`reading`]: who may see an order, the reads that fetch one with its items, and the
//!   filters of a list.
//!
//! A rule refuses with a [`web::Problem`]; its machine `code` is what every face reports (as
//! problem+json, or as a Connect/gRPC status mapped from it).

pub mod lifecycle;
pub mod order;
pub mod placing;
pub mod reading;
pub mod status;

#[cfg(feature = "openapi")]
pub mod schemas;

pub use order::{Item, Order};
pub use status::Status;
