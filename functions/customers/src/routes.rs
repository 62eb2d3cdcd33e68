//! The customer endpoints (each served under `/v1` and `/v2`).
//!
//! A customer sees only their own profile (anyone else's id is a 404, so ids cannot be
//! probed); staff and admins (`customers:all`) see and change every profile, and their changes
//! to other people's profiles are audited.

use http::{HeaderValue, StatusCode, header};
use identity::email::normalize_email;
use identity::ids::new_id;
use identity::{Permission, Principal, authenticate};
use rest::audit::{self, Entry};
use rest::idempotency;
use rest::listing::{self, Filter, Sort, SortKey, encode_cursor, split_extra};
use rest::preconditions::{check_if_match, precondition_failed, with_etag};
use rest::versions::ApiVersion;
use serde::Deserialize;
use web::ports::PortErrorKind;
use web::ports::sql::{Statement, Value};
use web::{Problem, Request, Response, empty_response, json_response};

use profiles::reading::require_any;
use profiles::{COLUMNS, Customer};

use crate::customer::Representation;

const SORTS: &[SortKey] =
    &[SortKey { name: "created_at", column: "created_at" }, SortKey { name: "name", column: "name" }];
const DEFAULT_SORT: Sort = Sort { key: SORTS[0], descending: true };

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// `POST /vN/customers` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewCustomer {
    /// Full name, 1-200 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace", min_length = 1, max_length = 200))]
    name: String,
    /// Contact email, unique across customers (stored trimmed and lower-cased).
    #[cfg_attr(feature = "openapi", schema(format = Email, example = "ada@example.com"))]
    email: String,
    /// Phone: 7-15 digits, optionally with spaces, `+`, `-`, `(`, `)`.
    #[cfg_attr(feature = "openapi", schema(example = "+44 20 7946 0958"))]
    phone: Option<String>,
    /// Staff only (`customers:all`): create the profile for another user. Default: the caller.
    user_id: Option<String>,
}

/// `PATCH /vN/customers/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct CustomerChanges {
    /// New full name, 1-200 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "Ada King", min_length = 1, max_length = 200))]
    name: Option<String>,
    /// New contact email, unique across customers.
    #[cfg_attr(feature = "openapi", schema(format = Email, example = "ada.king@example.com"))]
    email: Option<String>,
    /// New phone: 7-15 digits, optionally with spaces, `+`, `-`, `(`, `)`. `null` keeps the current one.
    #[cfg_attr(feature = "openapi", schema(example = "+44 20 7946 0000"))]
    phone: Option<String>,
}

fn invalid(detail: &str) -> Problem {
    Problem::unprocessable("invalid_customer", detail.to_owned())
}

fn check_name(name: &str) -> Result<String, Problem> {
    rest::text::display_name(name).ok_or_else(|| invalid("`name` needs 1-200 characters."))
}

fn check_email(email: &str) -> Result<String, Problem> {
    normalize_email(email).ok_or_else(|| invalid("`email` must be a valid email address."))
}

fn check_phone(phone: &str) -> Result<String, Problem> {
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let valid = (7..=15).contains(&digits) && phone.bytes().all(|b| b.is_ascii_digit() || b" +-()".contains(&b));
    if valid { Ok(phone.trim().to_owned()) } else { Err(invalid("`phone` must have 7-15 digits (E.164 style).")) }
}

fn conflict(error: &web::ports::PortError) -> Problem {
    if error.message.contains("user_id") {
        Problem::new(StatusCode::CONFLICT, "profile_exists", "Profile exists")
            .with_detail("This user already has a customer profile.")
    } else {
        Problem::new(StatusCode::CONFLICT, "email_taken", "Email taken")
            .with_detail("Another customer uses this email.")
    }
}

fn respond(customer: &Customer, version: ApiVersion, status: StatusCode) -> Result<Response, Problem> {
    let mut response = with_etag(json_response(status, &Representation::of(customer, version))?, customer.version);
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("{}/customers/{}", version.prefix(), customer.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The customer named by the path, if the caller may see it (see [`profiles::reading::visible`]).
async fn visible(request: &Request, principal: &Principal) -> Result<Customer, Problem> {
    profiles::reading::visible(request.platform(), principal, request.param("id")?).await
}

/// `POST /vN/customers` (honours `Idempotency-Key`). Whom the profile is for decides the
/// permission, so it is checked before a stored answer can be replayed.
pub async fn create(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    require_any(&principal)?;
    let body: NewCustomer = request.json()?;
    let user_id = match &body.user_id {
        Some(user_id) if *user_id != principal.user_id => {
            principal.require(Permission::CustomersAll)?;
            user_id.clone()
        }
        _ => principal.user_id.clone(),
    };
    idempotency::run(&request, &principal, async |reservation| {
        create_customer(&request, &principal, body, user_id, reservation).await
    })
    .await
}

async fn create_customer(
    request: &Request,
    principal: &Principal,
    body: NewCustomer,
    user_id: String,
    reservation: Option<&idempotency::Reservation>,
) -> Result<Response, Problem> {
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let customer = Customer {
        id: new_id(&*platform.random)?,
        user_id,
        email: check_email(&body.email)?,
        name: check_name(&body.name)?,
        phone: body.phone.as_deref().map(check_phone).transpose()?,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let response = respond(&customer, version(request), StatusCode::CREATED)?;
    let mut batch = vec![
        Statement::new(
            "INSERT INTO customers (id, user_id, email, name, phone, created_at, updated_at, version) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6, 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2)",
        )
        .bind(customer.id.as_str())
        .bind(customer.user_id.as_str())
        .bind(customer.email.as_str())
        .bind(customer.name.as_str())
        .bind(customer.phone.clone())
        .bind(now),
    ];
    if customer.user_id != principal.user_id {
        batch.push(audit::statement(
            request,
            principal,
            &Entry {
                action: "customer.create",
                target_type: "customer",
                target_id: &customer.id,
                before: None,
                after: Some(customer.audit_summary()),
            },
            Some(("EXISTS (SELECT 1 FROM customers WHERE id = ?)", vec![Value::from(customer.id.as_str())])),
        ));
    }
    if let Some(reservation) = reservation {
        batch.push(idempotency::complete(
            reservation,
            &response,
            ("EXISTS (SELECT 1 FROM customers WHERE id = ?)", vec![Value::from(customer.id.as_str())]),
        ));
    }
    match platform.sql.batch(&batch).await {
        Ok(results) if results[0].rows_affected == 1 => Ok(response),
        Ok(_) => Err(Problem::unprocessable("unknown_user", "`user_id` names no user.")),
        Err(error) if error.kind == PortErrorKind::Constraint => Err(conflict(&error)),
        Err(error) => Err(error.into()),
    }
}

/// `GET /vN/customers`: all profiles for staff, one's own for customers.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let version = version(&request);
    listing::check_params(&request, version, &["email", "q"])?;
    let principal = authenticate(&request).await?;
    require_any(&principal)?;
    #[derive(Deserialize)]
    struct Params {
        email: Option<String>,
        q: Option<String>,
        sort: Option<String>,
    }
    let params: Params = request.query()?;
    let sort = Sort::parse(params.sort.as_deref(), SORTS, DEFAULT_SORT)?;
    let page = listing::page(&request, version)?;
    let mut filter = Filter::default();
    if !principal.has(Permission::CustomersAll) {
        filter.and("user_id = ?", [Value::from(principal.user_id.as_str())]);
    }
    if let Some(email) = &params.email {
        filter.and("email = ?", [Value::from(email.trim().to_lowercase())]);
    }
    if let Some(q) = params.q.as_deref().filter(|q| !q.is_empty()) {
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        filter.and("name LIKE ? ESCAPE '\\'", [Value::from(format!("{escaped}%"))]);
    }
    let sql = &request.platform().sql;
    let (query, values) = filter.page_query(COLUMNS, "customers", sort, &page);
    let mut customers = sql
        .query(&Statement { sql: query, params: values })
        .await?
        .iter()
        .map(Customer::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = split_extra(&mut customers, &page);
    let items: Vec<_> = customers.iter().map(|c| Representation::of(c, version)).collect();
    let body = filter
        .page_body(&**sql, "customers", &page, items, || {
            more.then(|| customers.last()).flatten().map(|c| {
                encode_cursor(
                    &if sort.key.column == "name" { Value::from(c.name.as_str()) } else { Value::from(c.created_at) },
                    &c.id,
                )
            })
        })
        .await?;
    json_response(StatusCode::OK, &body)
}

/// `GET /vN/customers/{id}`.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let customer = visible(&request, &principal).await?;
    respond(&customer, version(&request), StatusCode::OK)
}

/// `PATCH /vN/customers/{id}` (honours `If-Match`).
pub async fn update(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let current = visible(&request, &principal).await?;
    check_if_match(&request, current.version)?;
    let changes: CustomerChanges = request.json()?;
    if changes.name.is_none() && changes.email.is_none() && changes.phone.is_none() {
        return Err(invalid("Send at least one field to change."));
    }
    let platform = request.platform();
    let mut updated = current.clone();
    if let Some(name) = &changes.name {
        updated.name = check_name(name)?;
    }
    if let Some(email) = &changes.email {
        updated.email = check_email(email)?;
    }
    if let Some(phone) = &changes.phone {
        updated.phone = Some(check_phone(phone)?);
    }
    updated.updated_at = platform.clock.now_millis();
    updated.version += 1;
    let mutation = new_id(&*platform.random)?;
    let mut batch = vec![
        Statement::new(
            "UPDATE customers SET name = ?3, email = ?4, phone = ?5, updated_at = ?6, version = version + 1, \
             mutation_id = ?7 WHERE id = ?1 AND version = ?2",
        )
        .bind(current.id.as_str())
        .bind(current.version)
        .bind(updated.name.as_str())
        .bind(updated.email.as_str())
        .bind(updated.phone.clone())
        .bind(updated.updated_at)
        .bind(mutation.as_str()),
    ];
    if current.user_id != principal.user_id {
        batch.push(audit::statement(
            &request,
            &principal,
            &Entry {
                action: "customer.update",
                target_type: "customer",
                target_id: &current.id,
                before: Some(current.audit_summary()),
                after: Some(updated.audit_summary()),
            },
            Some((
                "EXISTS (SELECT 1 FROM customers WHERE id = ? AND mutation_id = ?)",
                vec![Value::from(current.id.as_str()), Value::from(mutation.as_str())],
            )),
        ));
    }
    match platform.sql.batch(&batch).await {
        Ok(results) if results[0].rows_affected == 1 => respond(&updated, version(&request), StatusCode::OK),
        Ok(_) => Err(precondition_failed()),
        Err(error) if error.kind == PortErrorKind::Constraint => Err(conflict(&error)),
        Err(error) => Err(error.into()),
    }
}

/// `DELETE /vN/customers/{id}`: the owner or staff; refused while orders reference it.
pub async fn delete(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let current = visible(&request, &principal).await?;
    check_if_match(&request, current.version)?;
    let mut batch = vec![
        Statement::new("DELETE FROM customers WHERE id = ?1 AND version = ?2")
            .bind(current.id.as_str())
            .bind(current.version),
    ];
    if current.user_id != principal.user_id {
        batch.push(audit::statement(
            &request,
            &principal,
            &Entry {
                action: "customer.delete",
                target_type: "customer",
                target_id: &current.id,
                before: Some(current.audit_summary()),
                after: None,
            },
            // Only if this batch's DELETE removed the row (the statement right before).
            Some(("changes() = 1", Vec::new())),
        ));
    }
    match request.platform().sql.batch(&batch).await {
        Ok(results) if results[0].rows_affected == 1 => Ok(empty_response(StatusCode::NO_CONTENT)),
        Ok(_) => Err(precondition_failed()),
        Err(error) if error.kind == PortErrorKind::Constraint => {
            Err(Problem::new(StatusCode::CONFLICT, "customer_has_orders", "Customer has orders")
                .with_detail("Customers with orders cannot be deleted."))
        }
        Err(error) => Err(error.into()),
    }
}
