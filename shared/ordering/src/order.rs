//! The order model and its v1/v2 representations.

use rest::money::{Amount, Currency, currency};
use rest::outbox::{Event, Topic};
use rest::versions::{ApiVersion, Time};
use serde::Serialize;
use web::Problem;
use web::ports::sql::Row;

use crate::status::Status;

/// Columns [`Order::from_row`] reads.
pub const COLUMNS: &str =
    "id, customer_id, user_id, status, currency, total_minor, item_count, created_at, updated_at, version";
/// Columns [`Item::from_row`] reads.
pub const ITEM_COLUMNS: &str = "order_id, line, product_id, sku, name, unit_price_minor, quantity, line_total_minor";

/// An order line, with the price it was ordered at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// 1-based line number.
    pub line: i64,
    /// The product.
    pub product_id: String,
    /// SKU when ordered.
    pub sku: String,
    /// Name when ordered.
    pub name: String,
    /// Unit price when ordered (minor units).
    pub unit_price_minor: i64,
    /// Units.
    pub quantity: i64,
    /// `unit_price_minor × quantity`.
    pub line_total_minor: i64,
}

impl Item {
    /// Reads a row selected with [`ITEM_COLUMNS`]; returns the order id too.
    pub fn from_row(row: &Row) -> Result<(String, Self), Problem> {
        Ok((
            row.get("order_id")?,
            Self {
                line: row.get("line")?,
                product_id: row.get("product_id")?,
                sku: row.get("sku")?,
                name: row.get("name")?,
                unit_price_minor: row.get("unit_price_minor")?,
                quantity: row.get("quantity")?,
                line_total_minor: row.get("line_total_minor")?,
            },
        ))
    }
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Id.
    pub id: String,
    /// The customer profile.
    pub customer_id: String,
    /// The owning user (object-level checks).
    pub user_id: String,
    /// Status.
    pub status: Status,
    /// ISO 4217 code shared by every line.
    pub currency: String,
    /// Sum of line totals (minor units).
    pub total_minor: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Version (ETag).
    pub version: i64,
    /// Lines.
    pub items: Vec<Item>,
}

impl Order {
    /// Reads a row selected with [`COLUMNS`] (items are attached separately).
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        let status: String = row.get("status")?;
        Ok(Self {
            id: row.get("id")?,
            customer_id: row.get("customer_id")?,
            user_id: row.get("user_id")?,
            status: status.parse().map_err(|()| Problem::internal(format!("stored order status `{status}`")))?,
            currency: row.get("currency")?,
            total_minor: row.get("total_minor")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            version: row.get("version")?,
            items: Vec::new(),
        })
    }

    /// The representation for `version`.
    pub fn render(&self, version: ApiVersion) -> Representation {
        let code = currency(&self.currency).unwrap_or(Currency { code: "XXX", exponent: 0 });
        match version {
            ApiVersion::V1 => Representation::V1(OrderV1 {
                id: self.id.clone(),
                customer_id: self.customer_id.clone(),
                status: self.status.as_str(),
                currency: self.currency.clone(),
                total_minor: self.total_minor,
                items: self
                    .items
                    .iter()
                    .map(|i| ItemV1 {
                        product_id: i.product_id.clone(),
                        sku: i.sku.clone(),
                        name: i.name.clone(),
                        quantity: i.quantity,
                        unit_price_minor: i.unit_price_minor,
                        line_total_minor: i.line_total_minor,
                    })
                    .collect(),
                created_at: self.created_at,
                updated_at: self.updated_at,
            }),
            ApiVersion::V2 => Representation::V2(OrderV2 {
                id: self.id.clone(),
                customer_id: self.customer_id.clone(),
                status: self.status.as_str(),
                total: Amount::new(self.total_minor, code),
                items: self
                    .items
                    .iter()
                    .map(|i| ItemV2 {
                        product_id: i.product_id.clone(),
                        sku: i.sku.clone(),
                        name: i.name.clone(),
                        quantity: i.quantity,
                        unit_price: Amount::new(i.unit_price_minor, code),
                        line_total: Amount::new(i.line_total_minor, code),
                    })
                    .collect(),
                created_at: Time::new(self.created_at, version),
                updated_at: Time::new(self.updated_at, version),
            }),
        }
    }

    /// The products of its lines (their cached copies change when stock moves).
    pub fn product_ids(&self) -> Vec<&str> {
        self.items.iter().map(|i| i.product_id.as_str()).collect()
    }

    /// The outbox event telling subscribers of this order's change: `kind` is `order.created`,
    /// `order.status_changed` or `order.deleted`; the payload is the order as v2 renders it
    /// (for a deletion, as it was last).
    pub fn event(&self, kind: &'static str) -> Event<'_> {
        Event {
            topic: Topic::Order,
            kind,
            subject: &self.id,
            owner_id: Some(&self.user_id),
            payload: serde_json::to_value(self.render(ApiVersion::V2)).unwrap_or_default(),
        }
    }

    /// What the audit log keeps of the order.
    pub fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({"status": self.status.as_str(), "total_minor": self.total_minor, "currency": self.currency, "version": self.version})
    }
}

/// An order in either version.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Representation {
    /// v1.
    V1(OrderV1),
    /// v2.
    V2(OrderV2),
}

/// v1 order: money in minor units of `currency`, Unix-ms times.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderV1 {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"))]
    pub id: String,
    /// Customer profile id.
    #[cfg_attr(feature = "openapi", schema(example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"))]
    pub customer_id: String,
    /// Status.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::OrderStatus))]
    pub status: &'static str,
    /// ISO 4217 code of every amount.
    #[cfg_attr(feature = "openapi", schema(example = "EUR"))]
    pub currency: String,
    /// Total in minor units.
    #[cfg_attr(feature = "openapi", schema(example = 3998))]
    pub total_minor: i64,
    /// Lines.
    pub items: Vec<ItemV1>,
    /// Unix ms.
    #[cfg_attr(feature = "openapi", schema(example = 1_795_311_924_847_i64))]
    pub created_at: i64,
    /// Unix ms.
    #[cfg_attr(feature = "openapi", schema(example = 1_795_311_924_847_i64))]
    pub updated_at: i64,
}

/// v1 order line.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OrderItemV1))]
pub struct ItemV1 {
    /// Product id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub product_id: String,
    /// SKU when ordered.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M"))]
    pub sku: String,
    /// Name when ordered.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M"))]
    pub name: String,
    /// Units.
    #[cfg_attr(feature = "openapi", schema(example = 2))]
    pub quantity: i64,
    /// Unit price when ordered, minor units.
    #[cfg_attr(feature = "openapi", schema(example = 1999))]
    pub unit_price_minor: i64,
    /// Line total, minor units.
    #[cfg_attr(feature = "openapi", schema(example = 3998))]
    pub line_total_minor: i64,
}

/// v2 order: decimal money, RFC 3339 times.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderV2 {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"))]
    pub id: String,
    /// Customer profile id.
    #[cfg_attr(feature = "openapi", schema(example = "3d6f2a9c-1b7e-4c58-8e0a-5f4b2d9c7e31"))]
    pub customer_id: String,
    /// Status.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::OrderStatus))]
    pub status: &'static str,
    /// Total.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Money))]
    pub total: Amount,
    /// Lines.
    pub items: Vec<ItemV2>,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z"))]
    pub created_at: Time,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z"))]
    pub updated_at: Time,
}

/// v2 order line.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OrderItemV2))]
pub struct ItemV2 {
    /// Product id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub product_id: String,
    /// SKU when ordered.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M"))]
    pub sku: String,
    /// Name when ordered.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M"))]
    pub name: String,
    /// Units.
    #[cfg_attr(feature = "openapi", schema(example = 2))]
    pub quantity: i64,
    /// Unit price when ordered.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Money))]
    pub unit_price: Amount,
    /// Line total.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schemas::Money))]
    pub line_total: Amount,
}
