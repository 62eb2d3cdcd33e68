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
pub struct Representation {
    /// Id.
    pub id: String,
    /// Owner user id.
    pub user_id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Creation time.
    pub created_at: Time,
    /// Last change.
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
