//! `orderflow.v1.CatalogService`: the RPC face of [`catalog`], with `GET /v2/products`'
//! visibility (inactive products only for staff).

use catalog::reading::{self, DEFAULT_SORT, ListFilter};
use identity::authenticate_optional;
use web::{Problem, Request, Response};

use crate::call::Call;
use crate::convert;
use crate::listing::page;
use crate::pb::orderflow::v1::*;

/// `GetProduct`: through the catalogue cache for everyone but staff.
pub async fn get_product(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: GetProductRequest = call.input(&request)?;
    let (product, _) = call
        .within(&request, async {
            let principal = authenticate_optional(&request).await?;
            if input.id.is_empty() {
                return Err(Problem::bad_request("invalid_argument", "`id` is required."));
            }
            reading::visible(request.platform(), principal.as_ref(), &input.id).await
        })
        .await?;
    call.reply(&GetProductResponse { product: Some(convert::product(&product)) })
}

/// `ListProducts`: active products, newest first.
pub async fn list_products(request: Request) -> Result<Response, Problem> {
    let call = Call::open(&request)?;
    let input: ListProductsRequest = call.input(&request)?;
    let page = page(input.page_size, &input.page_token)?;
    let wanted = ListFilter { currency: Some(input.currency).filter(|c| !c.is_empty()), ..ListFilter::default() };
    let (products, next) = call
        .within(&request, async {
            let principal = authenticate_optional(&request).await?;
            let filter = wanted.to_sql(principal.as_ref())?;
            reading::page(request.platform(), &filter, DEFAULT_SORT, &page).await
        })
        .await?;
    call.reply(&ListProductsResponse {
        products: products.iter().map(convert::product).collect(),
        next_page_token: next.unwrap_or_default(),
    })
}
