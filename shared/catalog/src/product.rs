//! The product model and its v1/v2 representations.

use rest::money::{Amount, currency};
use rest::outbox::{Event, Topic};
use rest::versions::{ApiVersion, rfc3339};
use serde::Serialize;
use web::Problem;
use web::ports::sql::Row;

/// Columns [`Product::from_row`] reads.
pub const COLUMNS: &str =
    "id, sku, name, description, price_minor, currency, stock, active, created_at, updated_at, version";

/// A product as stored (and as cached: the JSON of this struct).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Product {
    /// Id (UUID).
    pub id: String,
    /// Stock-keeping unit, unique.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Longer text.
    pub description: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Units in stock.
    pub stock: i64,
    /// Orderable; inactive products are soft-deleted.
    pub active: bool,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Version (ETag).
    pub version: i64,
}

impl Product {
    /// Reads a row selected with [`COLUMNS`].
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        Ok(Self {
            id: row.get("id")?,
            sku: row.get("sku")?,
            name: row.get("name")?,
            description: row.get("description")?,
            price_minor: row.get("price_minor")?,
            currency: row.get("currency")?,
            stock: row.get("stock")?,
            active: row.get("active")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            version: row.get("version")?,
        })
    }

    /// The representation for `version`.
    pub fn render(&self, version: ApiVersion) -> Representation {
        match version {
            ApiVersion::V1 => Representation::V1(ProductV1 {
                id: self.id.clone(),
                sku: self.sku.clone(),
                name: self.name.clone(),
                description: self.description.clone(),
                price_minor: self.price_minor,
                currency: self.currency.clone(),
                stock: self.stock,
                active: self.active,
                created_at: self.created_at,
                updated_at: self.updated_at,
            }),
            ApiVersion::V2 => Representation::V2(ProductV2 {
                id: self.id.clone(),
                sku: self.sku.clone(),
                name: self.name.clone(),
                description: self.description.clone(),
                price: currency(&self.currency).map_or_else(
                    || Amount { amount: self.price_minor.to_string(), currency: self.currency.clone() },
                    |c| Amount::new(self.price_minor, c),
                ),
                stock: self.stock,
                active: self.active,
                created_at: rfc3339(self.created_at),
                updated_at: rfc3339(self.updated_at),
            }),
        }
    }

    /// A summary for audit rows.
    /// The outbox event telling subscribers of this product's change (`product.created`,
    /// `product.updated`, `product.deactivated`), the payload as v2 renders it.
    pub fn event(&self, kind: &'static str) -> Event<'_> {
        Event {
            topic: Topic::Product,
            kind,
            subject: &self.id,
            owner_id: None,
            payload: serde_json::to_value(self.render(ApiVersion::V2)).unwrap_or_default(),
        }
    }

    /// What the audit log keeps of the product.
    pub fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({
            "sku": self.sku, "name": self.name, "price_minor": self.price_minor, "currency": self.currency,
            "stock": self.stock, "active": self.active, "version": self.version,
        })
    }
}

/// A product in either version.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Representation {
    /// v1.
    V1(ProductV1),
    /// v2.
    V2(ProductV2),
}

/// v1: price in minor units, times in Unix ms.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductV1 {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub id: String,
    /// SKU.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M"))]
    pub sku: String,
    /// Name.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M"))]
    pub name: String,
    /// Description.
    #[cfg_attr(feature = "openapi", schema(example = "Organic cotton, crew neck."))]
    pub description: String,
    /// Price in minor units.
    #[cfg_attr(feature = "openapi", schema(example = 1999))]
    pub price_minor: i64,
    /// ISO 4217 code.
    #[cfg_attr(feature = "openapi", schema(example = "EUR"))]
    pub currency: String,
    /// Units in stock.
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub stock: i64,
    /// Orderable.
    #[cfg_attr(feature = "openapi", schema(example = true))]
    pub active: bool,
    /// Unix ms.
    #[cfg_attr(feature = "openapi", schema(example = 1_795_311_924_847_i64))]
    pub created_at: i64,
    /// Unix ms.
    #[cfg_attr(feature = "openapi", schema(example = 1_795_311_924_847_i64))]
    pub updated_at: i64,
}

/// v2: price as a decimal string with currency, RFC 3339 times.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductV2 {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub id: String,
    /// SKU.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M"))]
    pub sku: String,
    /// Name.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M"))]
    pub name: String,
    /// Description.
    #[cfg_attr(feature = "openapi", schema(example = "Organic cotton, crew neck."))]
    pub description: String,
    /// Price.
    #[cfg_attr(feature = "openapi", schema(value_type = rest::schemas::Money))]
    pub price: Amount,
    /// Units in stock.
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub stock: i64,
    /// Orderable.
    #[cfg_attr(feature = "openapi", schema(example = true))]
    pub active: bool,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-11-22T01:45:24.847Z"))]
    pub created_at: String,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-11-22T01:45:24.847Z"))]
    pub updated_at: String,
}
