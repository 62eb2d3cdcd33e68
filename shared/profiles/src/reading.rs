//! Who reads which customer profiles: one by id, the caller's own, or many in one statement.

use identity::{Permission, Principal};
use web::Pending;
use web::Problem;
use web::ports::Platform;
use web::ports::sql::{Statement, Value};

use crate::profile::{COLUMNS, Customer};

/// Whether `principal` may use customer profiles at all (an API key needs a customer scope
/// even for its owner's profile): 403 otherwise.
pub fn require_any(principal: &Principal) -> Result<(), Problem> {
    if principal.has(Permission::CustomersSelf) || principal.has(Permission::CustomersAll) {
        Ok(())
    } else {
        Err(identity::forbidden(Permission::CustomersSelf))
    }
}

/// Profile `id` if `principal` may see it: their own, or any with `customers:all`; otherwise
/// (or when missing) 404.
#[inline(never)]
pub fn visible<'a>(platform: &'a Platform, principal: &'a Principal, id: &'a str) -> Pending<'a, Customer> {
    Box::pin(async move {
        require_any(principal)?;
        let row = platform
            .sql
            .query_optional(&Statement::new(format!("SELECT {COLUMNS} FROM customers WHERE id = ?1")).bind(id))
            .await?
            .ok_or_else(Problem::not_found)?;
        let customer = Customer::from_row(&row)?;
        principal.owner_or(&customer.user_id, Permission::CustomersAll)?;
        Ok(customer)
    })
}

/// The caller's own profile, if they made one.
pub async fn own(platform: &Platform, principal: &Principal) -> Result<Option<Customer>, Problem> {
    require_any(principal)?;
    let statement =
        Statement::new(format!("SELECT {COLUMNS} FROM customers WHERE user_id = ?1")).bind(principal.user_id.as_str());
    platform.sql.query_optional(&statement).await?.as_ref().map(Customer::from_row).transpose()
}

/// Of the profiles with these ids, those `principal` may see, in one statement (for batched
/// reads: the customers of an order page). Without `customers:all` only the caller's own.
pub async fn visible_many(platform: &Platform, principal: &Principal, ids: &[&str]) -> Result<Vec<Customer>, Problem> {
    require_any(principal)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let mut sql = format!("SELECT {COLUMNS} FROM customers WHERE id IN ({placeholders})");
    let mut params: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
    if !principal.has(Permission::CustomersAll) {
        sql.push_str(" AND user_id = ?");
        params.push(Value::from(principal.user_id.as_str()));
    }
    platform.sql.query(&Statement { sql, params }).await?.iter().map(Customer::from_row).collect()
}
