//! Articles: reading (through the cache while published), listing and searching, and every
//! change, each a thin translation of HTTP onto [`publishing`].

use std::rc::Rc;

use cache::{Loader, Source};
use http::{HeaderValue, StatusCode, header};
use identity::{Principal, authenticate, authenticate_optional};
use publishing::store::{self, ListQuery};
use publishing::{Article, Status, cached};
use rest::http_caching::{is_anonymous, public_read};
use rest::idempotency;
use rest::listing::{self, Page, Sort};
use rest::preconditions::{check_if_match, if_none_match, with_etag};
use rest::versions::{ApiVersion, parse_rfc3339};
use serde::Deserialize;
use web::ports::Platform;
use web::{Problem, Request, Response, empty_response, json_response};

use crate::input;
use crate::representation::{ArticleOut, ListedOut};

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// `article` as the response body, with its `ETag`.
fn respond(article: &Article, version: ApiVersion, status: StatusCode) -> Result<Response, Problem> {
    Ok(with_etag(json_response(status, &ArticleOut::new(article, version))?, article.version))
}

/// A single-article read: 304 on a matching `If-None-Match`, else the article; public caching
/// headers when it came from the published cache, `private, no-cache` otherwise.
fn read(request: &Request, article: &Article, source: Option<Source>) -> Result<Response, Problem> {
    let response = if if_none_match(request, article.version) {
        with_etag(empty_response(StatusCode::NOT_MODIFIED), article.version)
    } else {
        respond(article, version(request), StatusCode::OK)?
    };
    Ok(match source {
        Some(source) => public_read(response, request, Some(source)),
        None => private(response),
    })
}

fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}

/// `GET /vN/articles/{id}`: published articles for anyone (through the cache); drafts and
/// archived articles for their author and editors, others get 404.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let caller = authenticate_optional(&request).await?;
    let (article, source) = cached::readable(request.platform(), caller.as_ref(), request.param("id")?).await?;
    read(&request, &article, source)
}

/// `GET /vN/articles/by-slug/{slug}`: as [`get`], by slug.
pub async fn by_slug(request: Request) -> Result<Response, Problem> {
    let caller = authenticate_optional(&request).await?;
    let (article, source) =
        cached::readable_by_slug(request.platform(), caller.as_ref(), request.param("slug")?).await?;
    read(&request, &article, source)
}

/// `POST /vN/articles` (needs `articles:write`; honours `Idempotency-Key`): a draft by the caller.
pub async fn create(request: Request) -> Result<Response, Problem> {
    let author = authenticate(&request).await?;
    author.require(identity::Permission::ArticlesWrite)?;
    let version = version(&request);
    idempotency::run(&request, &author, async |reservation| {
        let new = input::new_article(&request)?;
        store::create(&request, &author, new, reservation, |article| {
            let mut response = respond(article, version, StatusCode::CREATED)?;
            let location = format!("{}/articles/{}", version.prefix(), article.id);
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            Ok(response)
        })
        .await
    })
    .await
}

/// The article a change addresses, checked against `If-Match`; 404 for what the caller may
/// not see.
async fn target(request: &Request, caller: &Principal) -> Result<Article, Problem> {
    let article = store::visible(request.platform(), Some(caller), request.param("id")?).await?;
    check_if_match(request, article.version)?;
    Ok(article)
}

/// `PATCH /vN/articles/{id}` (the author, or an editor; honours `If-Match`).
pub async fn update(request: Request) -> Result<Response, Problem> {
    let caller = authenticate(&request).await?;
    let current = target(&request, &caller).await?;
    let changes = input::changes(&request)?;
    let updated = store::change(&request, &caller, &current, changes).await?;
    Ok(private(respond(&updated, version(&request), StatusCode::OK)?))
}

async fn move_to(request: Request, status: Status) -> Result<Response, Problem> {
    let caller = authenticate(&request).await?;
    let current = target(&request, &caller).await?;
    let changes = store::Changes { status: Some(status), ..store::Changes::default() };
    let updated = store::change(&request, &caller, &current, changes).await?;
    Ok(private(respond(&updated, version(&request), StatusCode::OK)?))
}

/// `POST /vN/articles/{id}/publish`: draft → published (the author, or an editor).
pub async fn publish(request: Request) -> Result<Response, Problem> {
    move_to(request, Status::Published).await
}

/// `POST /vN/articles/{id}/archive`: published → archived (the author, or an editor).
pub async fn archive(request: Request) -> Result<Response, Problem> {
    move_to(request, Status::Archived).await
}

/// `DELETE /vN/articles/{id}` (admins; honours `If-Match`): 204.
pub async fn remove(request: Request) -> Result<Response, Problem> {
    let caller = authenticate(&request).await?;
    let current = target(&request, &caller).await?;
    store::delete(&request, &caller, &current).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

const FILTERS: &[&str] = &["q", "tag", "author", "status", "published_from", "published_to"];

#[derive(Deserialize)]
struct Params {
    q: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    status: Option<String>,
    published_from: Option<String>,
    published_to: Option<String>,
    sort: Option<String>,
}

/// The list query of `request` (filters, sort, page), checked for `caller`.
fn list_query(request: &Request, caller: Option<&Principal>) -> Result<ListQuery, Problem> {
    let version = version(request);
    listing::check_params(request, version, FILTERS)?;
    let params: Params = request.query()?;
    let bad = |detail: &str| Problem::bad_request("invalid_query", detail.to_owned());
    let status = match params.status.as_deref() {
        None => Status::Published,
        Some(text) => Status::parse(text).ok_or_else(|| bad("`status` must be draft, published or archived."))?,
    };
    let sort = Sort::parse(params.sort.as_deref(), store::SORTS, store::default_sort(status))?;
    let time = |name: &str, text: &Option<String>| -> Result<Option<i64>, Problem> {
        let Some(text) = text else { return Ok(None) };
        let millis = match version {
            ApiVersion::V1 => text.parse::<i64>().ok(),
            ApiVersion::V2 => parse_rfc3339(text),
        };
        millis.filter(|m| m.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64).map(Some).ok_or_else(|| {
            bad(&format!(
                "`{name}` must be {}.",
                if version == ApiVersion::V1 { "Unix milliseconds" } else { "an RFC 3339 time" }
            ))
        })
    };
    let tag = match params.tag {
        Some(tag) => Some(
            publishing::text::tags(std::slice::from_ref(&tag))
                .map_err(|_| bad("`tag` must be a tag (1-32 of a-z, 0-9, -)."))?
                .remove(0),
        ),
        None => None,
    };
    let query = ListQuery {
        q: params.q,
        tag,
        author: params.author,
        status,
        published_from: time("published_from", &params.published_from)?,
        published_to: time("published_to", &params.published_to)?,
        sort,
        page: listing::page(request, version)?,
    };
    store::check_list(&query, caller)?;
    Ok(query)
}

/// The JSON of one page.
fn page_body(query: &ListQuery, version: ApiVersion, listing: &store::Listing) -> serde_json::Value {
    let items: Vec<ListedOut> = listing.items.iter().map(|l| ListedOut::new(l, version)).collect();
    match query.page {
        Page::Numbered { page, per_page } => {
            serde_json::json!({"items": items, "page": page, "per_page": per_page, "total": listing.total.unwrap_or(0)})
        }
        Page::Cursor { .. } => match store::next_cursor(query, listing) {
            Some(cursor) => serde_json::json!({"items": items, "next_cursor": cursor}),
            None => serde_json::json!({"items": items}),
        },
    }
}

/// `GET /vN/articles`: published articles (newest first) or, with `q`, a ranked full-text
/// search with highlighted snippets; filters `tag`, `author`, `published_from`/`published_to`;
/// `status=draft|archived` for one's own (`author` = oneself) or, for editors, anyone's.
/// Anonymous pages without `q` go through the cache.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let caller = authenticate_optional(&request).await?;
    let query = list_query(&request, caller.as_ref())?;
    let version = version(&request);
    let platform = request.platform();
    let cacheable = is_anonymous(&request) && query.q.is_none() && query.status == Status::Published;
    if !cacheable {
        let listing = store::list(platform, &query).await?;
        return Ok(private(json_response(StatusCode::OK, &page_body(&query, version, &listing))?));
    }
    let key =
        cached::list_key(&cached::generation(platform).await, version.prefix(), request.uri().query().unwrap_or(""));
    let (bytes, source) =
        cache::read_through(platform, &key, cached::LIST_POLICY, page_loader(platform, query, version)).await?;
    let body = bytes.ok_or_else(|| Problem::internal("a list page always loads"))?;
    let mut response = Response::new(body.into());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(public_read(response, &request, Some(source)))
}

fn page_loader(platform: &Platform, query: ListQuery, version: ApiVersion) -> Loader {
    let platform = platform.clone();
    Rc::new(move || {
        let platform = platform.clone();
        let query = query.clone();
        Box::pin(async move {
            let listing = store::list(&platform, &query).await?;
            let body = serde_json::to_vec(&page_body(&query, version, &listing))
                .map_err(|e| Problem::internal(e.to_string()))?;
            Ok(Some(body))
        })
    })
}
