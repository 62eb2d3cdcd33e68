//! Documentation-only schemas the order representations refer to (OpenAPI; not in wasm).

use utoipa::ToSchema;

pub use rest::schemas::Money;

/// Where an order is in its life. `pending` → `processing` → `shipped` → `delivered`;
/// `pending` and `processing` may also become `cancelled` (which returns the stock).
/// `delivered` and `cancelled` are final.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Placed; stock reserved.
    Pending,
    /// Being prepared.
    Processing,
    /// Handed to the carrier.
    Shipped,
    /// Received (final).
    Delivered,
    /// Called off; stock returned (final).
    Cancelled,
}
