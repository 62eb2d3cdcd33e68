//! The v1/v2 representations of a customer profile ([`profiles::Customer`]).

use profiles::Customer;
use rest::versions::{ApiVersion, Time};
use serde::Serialize;

/// A customer in either version (they differ only in times).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Customer))]
pub struct Representation {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"))]
    pub id: String,
    /// Owner user id.
    #[cfg_attr(feature = "openapi", schema(example = "9a2e4c71-6b3d-4f08-a1c5-7e9d0b2f4a68"))]
    pub user_id: String,
    /// Email (normalised, unique).
    #[cfg_attr(feature = "openapi", schema(format = Email, example = "ada@example.com"))]
    pub email: String,
    /// Name.
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub name: String,
    /// Phone, `null` when not given.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "+44 20 7946 0958"))]
    pub phone: Option<String>,
    /// Creation time: Unix ms (integer) in v1, RFC 3339 (string) in v2.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_docs::Timestamp))]
    pub created_at: Time,
    /// Last change: Unix ms (integer) in v1, RFC 3339 (string) in v2.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_docs::Timestamp))]
    pub updated_at: Time,
}

impl Representation {
    /// `customer` as `version` shows it.
    pub fn of(customer: &Customer, version: ApiVersion) -> Self {
        Self {
            id: customer.id.clone(),
            user_id: customer.user_id.clone(),
            email: customer.email.clone(),
            name: customer.name.clone(),
            phone: customer.phone.clone(),
            created_at: Time::new(customer.created_at, version),
            updated_at: Time::new(customer.updated_at, version),
        }
    }
}
