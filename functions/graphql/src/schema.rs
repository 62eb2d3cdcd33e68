//! The graph's roots, merged from its halves ([`CommerceQuery`], [`PublishingQuery`]), and
//! the paging rules every list field shares.

use async_graphql::{EmptySubscription, MergedObject, Schema};
use rest::listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, decode_cursor};
use web::Problem;

use crate::commerce::{CommerceMutation, CommerceQuery};
use crate::publishing::{PublishingMutation, PublishingQuery};

/// The schema served.
pub type GraphSchema = Schema<Query, Mutation, EmptySubscription>;

/// Read fields: the caller, products, customers, orders and articles.
#[derive(MergedObject, Default)]
pub struct Query(CommerceQuery, PublishingQuery);

/// Write fields: placing and changing orders, commenting on articles.
#[derive(MergedObject, Default)]
pub struct Mutation(CommerceMutation, PublishingMutation);

/// The page `first` / `after` ask for: 1–100 items (default 20) after an opaque cursor.
pub fn page(first: Option<i32>, after: Option<&str>) -> Result<Page, Problem> {
    let limit = match first {
        None => DEFAULT_PAGE_SIZE,
        Some(n) => u32::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| Problem::bad_request("invalid_page_size", format!("`first` must be 1-{MAX_PAGE_SIZE}.")))?,
    };
    Ok(Page::Cursor { limit, after: after.map(decode_cursor).transpose()? })
}

/// The complexity of a list field: its page size times what each item costs.
pub fn list_complexity(first: Option<i32>, child: usize) -> usize {
    let size = first.and_then(|n| usize::try_from(n).ok()).unwrap_or(DEFAULT_PAGE_SIZE as usize);
    size.clamp(1, MAX_PAGE_SIZE as usize).saturating_mul(child.max(1))
}
