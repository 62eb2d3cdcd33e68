//! The customer profile as stored.

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

    /// A summary for audit rows.
    pub fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({"email": self.email, "name": self.name, "phone": self.phone, "version": self.version})
    }
}
