//! The product endpoints (each served under `/v1` and `/v2`).

use http::{HeaderValue, StatusCode, header};
use identity::ids::new_id;
use identity::{Permission, Principal, authenticate, authenticate_optional};
use rest::audit::{self, Entry};
use rest::idempotency;
use rest::listing::{self, Filter, Page, Sort};
use rest::outbox;
use rest::preconditions::{check_if_match, if_none_match, precondition_failed, with_etag};
use rest::versions::ApiVersion;
use std::rc::Rc;
use web::ports::PortErrorKind;
use web::ports::sql::{Statement, Value};

use cache::Loader;
use futures_util::FutureExt;
use rest::catalog_cache;
use rest::http_caching::public_read;
use web::ports::Platform;
use web::{Problem, Request, Response, empty_response, json_response};

use crate::input::{self, Changes};
use catalog::Product;
use catalog::reading::{self, DEFAULT_SORT, ListFilter, SORTS, can_write, load};

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// `GET /vN/products`: active products for everyone; staff may ask for `active=false`.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let version = version(&request);
    listing::check_params(&request, version, &["currency", "active", "q"])?;
    let principal = authenticate_optional(&request).await?;
    #[derive(serde::Deserialize)]
    struct Params {
        currency: Option<String>,
        active: Option<bool>,
        q: Option<String>,
        sort: Option<String>,
    }
    let params: Params = request.query()?;
    let sort = Sort::parse(params.sort.as_deref(), SORTS, DEFAULT_SORT)?;
    let page = listing::page(&request, version)?;

    let wanted =
        ListFilter { active: params.active.unwrap_or(true), currency: params.currency, name_prefix: params.q.clone() };
    let filter = wanted.to_sql(principal.as_ref())?;
    let platform = request.platform().clone();
    let searching = params.q.as_deref().is_some_and(|q| !q.is_empty());
    if can_write(principal.as_ref()) || searching {
        // Staff views (inactive products included) are never cached, and neither are name
        // searches: every new search term would be a cache entry (and a KV write) of its own.
        let body = list_body(platform, filter, sort, page, version).await?;
        return Ok(public_read(body_response(body), &request, None));
    }
    let generation = catalog_cache::generation(&platform).await;
    let key = catalog_cache::list_key(&generation, version.prefix(), request.uri().query().unwrap_or(""));
    let loader_platform = platform.clone();
    let loader: Loader = Rc::new(move || {
        Box::pin(
            list_body(loader_platform.clone(), filter.clone(), sort, page.clone(), version).map(|body| body.map(Some)),
        )
    });
    let (body, source) = cache::read_through(&platform, &key, catalog_cache::LIST_POLICY, loader).await?;
    let body = body.ok_or_else(|| Problem::internal("list loader returned nothing"))?;
    Ok(public_read(body_response(body), &request, Some(source)))
}

/// Renders one list page as JSON (the unit the list cache stores).
async fn list_body(
    platform: Platform,
    filter: Filter,
    sort: Sort,
    page: Page,
    version: ApiVersion,
) -> Result<Vec<u8>, Problem> {
    let (products, next) = catalog::reading::page(&platform, &filter, sort, &page).await?;
    let items: Vec<_> = products.iter().map(|p| p.render(version)).collect();
    let body = filter.page_body(&*platform.sql, "products", &page, items, || next).await?;
    serde_json::to_vec(&body).map_err(|e| Problem::internal(format!("serialising a product page: {e}")))
}

fn body_response(body: Vec<u8>) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn respond(product: &Product, version: ApiVersion, status: StatusCode) -> Result<Response, Problem> {
    let mut response = with_etag(json_response(status, &product.render(version))?, product.version);
    if status == StatusCode::CREATED {
        let location = format!("{}/products/{}", version.prefix(), product.id);
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

/// `GET /vN/products/{id}`: inactive products are 404 except to staff; `If-None-Match` → 304.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let principal = authenticate_optional(&request).await?;
    let (product, source) = reading::visible(request.platform(), principal.as_ref(), request.param("id")?).await?;
    if if_none_match(&request, product.version) {
        return Ok(public_read(with_etag(empty_response(StatusCode::NOT_MODIFIED), product.version), &request, source));
    }
    Ok(public_read(respond(&product, version(&request), StatusCode::OK)?, &request, source))
}

/// `POST /vN/products` (needs `products:write`; honours `Idempotency-Key`).
pub async fn create(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::ProductsWrite)?;
    idempotency::run(&request, &principal, async |reservation| create_product(&request, &principal, reservation).await)
        .await
}

async fn create_product(
    request: &Request,
    principal: &Principal,
    reservation: Option<&idempotency::Reservation>,
) -> Result<Response, Problem> {
    let version = version(request);
    let new = input::new_product(request, version)?;
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let product = Product {
        id: new_id(&*platform.random)?,
        sku: new.sku,
        name: new.name,
        description: new.description,
        price_minor: new.price_minor,
        currency: new.currency,
        stock: new.stock,
        active: true,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let response = respond(&product, version, StatusCode::CREATED)?;
    let mut batch = vec![
        Statement::new(
            "INSERT INTO products (id, sku, name, description, price_minor, currency, stock, active, created_at, updated_at, version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, 1)",
        )
        .bind(product.id.as_str())
        .bind(product.sku.as_str())
        .bind(product.name.as_str())
        .bind(product.description.as_str())
        .bind(product.price_minor)
        .bind(product.currency.as_str())
        .bind(product.stock)
        .bind(now),
        audit::statement(
            request,
            principal,
            &Entry { action: "product.create", target_type: "product", target_id: &product.id, before: None, after: Some(product.audit_summary()) },
            None,
        ),
        outbox::statement(request, &product.event("product.created"), None),
    ];
    if let Some(reservation) = reservation {
        batch.push(idempotency::complete(
            reservation,
            &response,
            ("EXISTS (SELECT 1 FROM products WHERE id = ?)", vec![Value::from(product.id.as_str())]),
        ));
    }
    match platform.sql.batch(&batch).await {
        Ok(_) => {
            catalog_cache::products_changed(platform, &[&product.id]).await;
            webhook_delivery::after_change(platform);
            Ok(response)
        }
        Err(error) if error.kind == PortErrorKind::Constraint => {
            Err(Problem::new(StatusCode::CONFLICT, "sku_taken", "SKU already exists")
                .with_detail("Another product has this SKU."))
        }
        Err(error) => Err(error.into()),
    }
}

/// `PATCH /vN/products/{id}` (needs `products:write`; honours `If-Match`).
pub async fn update(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::ProductsWrite)?;
    let version = version(&request);
    let current = load(request.platform(), request.param("id")?).await?.ok_or_else(Problem::not_found)?;
    check_if_match(&request, current.version)?;
    let changes = input::changes(&request, version, &current.currency)?;
    let updated = apply(&current, &changes, request.platform().clock.now_millis());
    write_change(&request, &principal, &current, &updated, ("product.update", "product.updated")).await?;
    respond(&updated, version, StatusCode::OK)
}

/// `DELETE /vN/products/{id}` (needs `products:write`): deactivates (soft delete); 204.
pub async fn deactivate(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::ProductsWrite)?;
    let current = load(request.platform(), request.param("id")?).await?.ok_or_else(Problem::not_found)?;
    check_if_match(&request, current.version)?;
    if current.active {
        let updated = apply(
            &current,
            &Changes { active: Some(false), ..Changes::default() },
            request.platform().clock.now_millis(),
        );
        write_change(&request, &principal, &current, &updated, ("product.deactivate", "product.deactivated")).await?;
    }
    Ok(empty_response(StatusCode::NO_CONTENT))
}

fn apply(current: &Product, changes: &Changes, now: i64) -> Product {
    let mut next = current.clone();
    if let Some(name) = &changes.name {
        next.name.clone_from(name);
    }
    if let Some(description) = &changes.description {
        next.description.clone_from(description);
    }
    if let Some((minor, currency)) = &changes.price {
        next.price_minor = *minor;
        next.currency.clone_from(currency);
    }
    if let Some(stock) = changes.stock {
        next.stock = stock;
    }
    if let Some(active) = changes.active {
        next.active = active;
    }
    next.updated_at = now;
    next.version = current.version + 1;
    next
}

/// Writes `updated` if the row is still at `current.version`, with its audit row and outbox
/// event, atomically. `(action, event)` name the change for the audit log and for subscribers.
async fn write_change(
    request: &Request,
    principal: &Principal,
    current: &Product,
    updated: &Product,
    (action, event): (&str, &'static str),
) -> Result<(), Problem> {
    let platform = request.platform();
    let mutation = new_id(&*platform.random)?;
    let applied = (
        "EXISTS (SELECT 1 FROM products WHERE id = ? AND mutation_id = ?)",
        vec![Value::from(current.id.as_str()), Value::from(mutation.as_str())],
    );
    let results = platform
        .sql
        .batch(&[
            Statement::new(
                "UPDATE products SET name = ?3, description = ?4, price_minor = ?5, currency = ?6, stock = ?7, active = ?8, \
                 updated_at = ?9, version = version + 1, mutation_id = ?10 WHERE id = ?1 AND version = ?2",
            )
            .bind(current.id.as_str())
            .bind(current.version)
            .bind(updated.name.as_str())
            .bind(updated.description.as_str())
            .bind(updated.price_minor)
            .bind(updated.currency.as_str())
            .bind(updated.stock)
            .bind(updated.active)
            .bind(updated.updated_at)
            .bind(mutation.as_str()),
            audit::statement(
                request,
                principal,
                &Entry {
                    action,
                    target_type: "product",
                    target_id: &current.id,
                    before: Some(current.audit_summary()),
                    after: Some(updated.audit_summary()),
                },
                Some(applied.clone()),
            ),
            outbox::statement(request, &updated.event(event), Some(applied)),
        ])
        .await?;
    // Someone changed it between our read and write (orders move stock, staff edit): 412.
    if results.first().is_none_or(|r| r.rows_affected == 0) {
        return Err(precondition_failed());
    }
    catalog_cache::products_changed(platform, &[&current.id]).await;
    webhook_delivery::after_change(platform);
    Ok(())
}
