//! Customer profiles as every face sees them: one profile per user; customers
//! (`customers:self`) see their own, staff and admins (`customers:all`) see all. Another
//! user's profile is a 404, never a 403, so ids cannot be probed.
//!
//! The REST face (`functions/customers`) adds the writes and its v1/v2 representations; the
//! GraphQL face reads through [`reading`].

mod profile;
pub mod reading;

pub use profile::{COLUMNS, Customer};
