//! Who sees which products, reads through the catalogue cache, and list pages.

use std::rc::Rc;

use cache::{Loader, Source};
use identity::{Permission, Principal};
use rest::catalog_cache;
use rest::listing::{Filter, Page, Sort, SortKey, encode_cursor, split_extra};
use web::Pending;
use web::Problem;
use web::ports::Platform;
use web::ports::sql::{Statement, Value};

use crate::product::{COLUMNS, Product};

/// The sorts a list offers.
pub const SORTS: &[SortKey] = &[
    SortKey { name: "created_at", column: "created_at" },
    SortKey { name: "name", column: "name" },
    SortKey { name: "price", column: "price_minor" },
];
/// Newest first.
pub const DEFAULT_SORT: Sort = Sort { key: SORTS[0], descending: true };

/// Whether `principal` may manage the catalogue (and so see inactive products).
pub fn can_write(principal: Option<&Principal>) -> bool {
    principal.is_some_and(|p| p.has(Permission::ProductsWrite))
}

/// Product `id` straight from the database.
pub async fn load(platform: &Platform, id: &str) -> Result<Option<Product>, Problem> {
    let row = platform
        .sql
        .query_optional(&Statement::new(format!("SELECT {COLUMNS} FROM products WHERE id = ?1")).bind(id))
        .await?;
    row.as_ref().map(Product::from_row).transpose()
}

/// The products with these ids, in one query (for batched reads: an order page's lines).
/// Products are read as stored, inactive ones included: an order line names what was sold.
pub async fn load_many(platform: &Platform, ids: &[&str]) -> Result<Vec<Product>, Problem> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let mut statement = Statement::new(format!("SELECT {COLUMNS} FROM products WHERE id IN ({placeholders})"));
    statement.params = ids.iter().map(|id| Value::from(*id)).collect();
    platform.sql.query(&statement).await?.iter().map(Product::from_row).collect()
}

/// Product `id` as `principal` may see it: staff read the database (inactive products
/// included); everyone else reads through the catalogue cache and sees only active products.
/// Missing or hidden is 404. The cache source is returned for caching headers.
#[inline(never)]
pub fn visible<'a>(
    platform: &'a Platform,
    principal: Option<&'a Principal>,
    id: &'a str,
) -> Pending<'a, (Product, Option<Source>)> {
    Box::pin(async move {
        let (product, source) = if can_write(principal) {
            (load(platform, id).await?, None)
        } else {
            let (product, source) = cached(platform, id).await?;
            (product.filter(|p| p.active), Some(source))
        };
        Ok((product.ok_or_else(Problem::not_found)?, source))
    })
}

/// A product through the catalogue cache.
async fn cached(platform: &Platform, id: &str) -> Result<(Option<Product>, Source), Problem> {
    let loader_platform = platform.clone();
    let owned_id = id.to_owned();
    let loader: Loader = Rc::new(move || {
        let platform = loader_platform.clone();
        let id = owned_id.clone();
        Box::pin(async move {
            let product = load(&platform, &id).await?;
            product.map(|p| serde_json::to_vec(&p).map_err(|e| Problem::internal(e.to_string()))).transpose()
        })
    });
    let (bytes, source) =
        cache::read_through(platform, &catalog_cache::product_key(id), catalog_cache::PRODUCT_POLICY, loader).await?;
    let product = bytes
        .map(|b| serde_json::from_slice(&b))
        .transpose()
        .map_err(|e| Problem::internal(format!("cached product: {e}")))?;
    Ok((product, source))
}

/// What a list of products is narrowed to.
#[derive(Debug, Clone)]
pub struct ListFilter {
    /// Active products (everyone), or inactive ones (staff only).
    pub active: bool,
    /// Only prices in this currency.
    pub currency: Option<String>,
    /// Only names starting with this text.
    pub name_prefix: Option<String>,
}

impl Default for ListFilter {
    fn default() -> Self {
        Self { active: true, currency: None, name_prefix: None }
    }
}

impl ListFilter {
    /// The SQL filter, if `principal` may list these products (inactive ones need
    /// `products:write`).
    pub fn to_sql(&self, principal: Option<&Principal>) -> Result<Filter, Problem> {
        if !self.active && !can_write(principal) {
            return Err(identity::forbidden(Permission::ProductsWrite));
        }
        let mut filter = Filter::default();
        filter.and("active = ?", [Value::from(self.active)]);
        if let Some(code) = &self.currency {
            filter.and("currency = ?", [Value::from(code.as_str())]);
        }
        if let Some(prefix) = self.name_prefix.as_deref().filter(|q| !q.is_empty()) {
            let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            filter.and("name LIKE ? ESCAPE '\\'", [Value::from(format!("{escaped}%"))]);
        }
        Ok(filter)
    }
}

/// One page of products matching `filter`, and the cursor of the next page (cursor pages).
#[inline(never)]
pub fn page<'a>(
    platform: &'a Platform,
    filter: &'a Filter,
    sort: Sort,
    page: &'a Page,
) -> Pending<'a, (Vec<Product>, Option<String>)> {
    Box::pin(async move {
        let (query, params) = filter.page_query(COLUMNS, "products", sort, page);
        let rows = platform.sql.query(&Statement { sql: query, params }).await?;
        let mut products = rows.iter().map(Product::from_row).collect::<Result<Vec<_>, _>>()?;
        let more = split_extra(&mut products, page);
        let next = more.then(|| products.last().map(|p| cursor_after(p, sort))).flatten();
        Ok((products, next))
    })
}

/// The cursor after `product` in `sort` order (pass it back to read the next page).
pub fn cursor_after(product: &Product, sort: Sort) -> String {
    encode_cursor(&sort_value(product, sort), &product.id)
}

fn sort_value(product: &Product, sort: Sort) -> Value {
    match sort.key.column {
        "name" => Value::from(product.name.as_str()),
        "price_minor" => Value::from(product.price_minor),
        _ => Value::from(product.created_at),
    }
}
