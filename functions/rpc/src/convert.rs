//! The domain's orders and products as messages, and message enums as domain values.

use catalog::Product;
use ordering::{Item, Order, Status};
use pbjson_types::Timestamp;
use web::Problem;

use crate::pb::orderflow::v1 as pb;

/// A Unix-milliseconds time as a `google.protobuf.Timestamp`.
pub fn timestamp(millis: i64) -> Timestamp {
    // rem_euclid keeps nanos in 0..1e9 for times before 1970 too; it fits an i32.
    Timestamp {
        seconds: millis.div_euclid(1000),
        nanos: i32::try_from(millis.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}

fn money(amount_minor: i64, currency: &str) -> Option<pb::Money> {
    Some(pb::Money { amount_minor, currency: currency.to_owned() })
}

/// The message enum of a status.
pub fn status(status: Status) -> pb::OrderStatus {
    match status {
        Status::Pending => pb::OrderStatus::Pending,
        Status::Processing => pb::OrderStatus::Processing,
        Status::Shipped => pb::OrderStatus::Shipped,
        Status::Delivered => pb::OrderStatus::Delivered,
        Status::Cancelled => pb::OrderStatus::Cancelled,
    }
}

/// The status a request field names: `None` for UNSPECIFIED, 400 for a number no status has.
pub fn status_from(field: &str, number: i32) -> Result<Option<Status>, Problem> {
    let invalid = || Problem::bad_request("invalid_status", format!("`{field}` is not an order status."));
    Ok(Some(match pb::OrderStatus::try_from(number).map_err(|_| invalid())? {
        pb::OrderStatus::Unspecified => return Ok(None),
        pb::OrderStatus::Pending => Status::Pending,
        pb::OrderStatus::Processing => Status::Processing,
        pb::OrderStatus::Shipped => Status::Shipped,
        pb::OrderStatus::Delivered => Status::Delivered,
        pb::OrderStatus::Cancelled => Status::Cancelled,
    }))
}

fn item(item: &Item, currency: &str) -> pb::OrderItem {
    pb::OrderItem {
        line: i32::try_from(item.line).unwrap_or(i32::MAX),
        product_id: item.product_id.clone(),
        sku: item.sku.clone(),
        name: item.name.clone(),
        quantity: item.quantity,
        unit_price: money(item.unit_price_minor, currency),
        line_total: money(item.line_total_minor, currency),
    }
}

/// An order as a message.
pub fn order(order: &Order) -> pb::Order {
    pb::Order {
        id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        status: status(order.status).into(),
        total: money(order.total_minor, &order.currency),
        items: order.items.iter().map(|i| item(i, &order.currency)).collect(),
        version: order.version,
        create_time: Some(timestamp(order.created_at)),
        update_time: Some(timestamp(order.updated_at)),
    }
}

/// A product as a message.
pub fn product(product: &Product) -> pb::Product {
    pb::Product {
        id: product.id.clone(),
        sku: product.sku.clone(),
        name: product.name.clone(),
        price: money(product.price_minor, &product.currency),
        stock: product.stock,
        active: product.active,
        version: product.version,
        create_time: Some(timestamp(product.created_at)),
        update_time: Some(timestamp(product.updated_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_split_milliseconds() {
        assert_eq!(timestamp(1_700_000_000_123), Timestamp { seconds: 1_700_000_000, nanos: 123_000_000 });
        assert_eq!(timestamp(-1), Timestamp { seconds: -1, nanos: 999_000_000 });
    }

    #[test]
    fn statuses_round_trip_and_unknown_numbers_are_refused() {
        for s in [Status::Pending, Status::Processing, Status::Shipped, Status::Delivered, Status::Cancelled] {
            assert_eq!(status_from("status", status(s).into()).unwrap(), Some(s));
        }
        assert_eq!(status_from("status", 0).unwrap(), None);
        assert_eq!(status_from("status", 42).unwrap_err().code(), "invalid_status");
    }
}
