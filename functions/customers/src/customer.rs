//! The customer model and its v1/v2 representations.

use rest::versions::{ApiVersion, Time};
use serde::Serialize;
use web::Problem;
use web::ports::sql::Row;

/// Columns [`Customer::from_row`] reads.
pub const COLUMNS: &str = "id, user_id, email, name, phone, created_at, updated_at, version";

/// A customer profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Id.
    pub id: String,
    /// The user it belongs to.
    pub user_id: String,
    /// Contact email (unique).
    pub email: String,
    /// Full name.
    pub name: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Version (ETag).
    pub version: i64,
}

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

impl Customer {
    /// Reads a row selected with [`COLUMNS`].
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            email: row.get("email")?,
            name: row.get("name")?,
            phone: row.get("phone")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            version: row.get("version")?,
        })
    }

    /// The representation for `version`.
    pub fn render(&self, version: ApiVersion) -> Representation {
        Representation {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            created_at: Time::new(self.created_at, version),
            updated_at: Time::new(self.updated_at, version),
        }
    }

    /// A summary for audit rows.
    pub fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({"email": self.email, "name": self.name, "phone": self.phone, "version": self.version})
    }
}
