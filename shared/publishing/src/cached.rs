//! Published articles and list pages through the shared cache (`shared/cache`), and their
//! invalidation on every write.
//!
//! Only what anyone may see is cached: an article is cached by id and by slug only while
//! published (the loaders answer "nothing" for drafts, which are then read from SQL for the
//! few who may see them), and list pages only for anonymous readers without a search (new
//! search terms must not flood the cache), keyed by a generation every write bumps.

use std::rc::Rc;
use std::time::Duration;

use cache::{Loader, Policy, Source};
use identity::Principal;
use web::Pending;
use web::Problem;
use web::ports::Platform;

use crate::article::{Article, Status};
use crate::store;

/// Published articles: fresh 30 s, then stale for 60 s while refreshed.
pub const ARTICLE_POLICY: Policy = Policy { fresh: Duration::from_secs(30), stale: Duration::from_secs(60) };
/// List pages: fresh 15 s, stale 60 s.
pub const LIST_POLICY: Policy = Policy { fresh: Duration::from_secs(15), stale: Duration::from_secs(60) };

const GENERATION_KEY: &str = "articles:generation";

fn by_id_key(id: &str) -> String {
    format!("article:{id}")
}

fn by_slug_key(slug: &str) -> String {
    format!("article-slug:{slug}")
}

/// The current list generation ("0" when never bumped or KV is unreachable).
pub async fn generation(platform: &Platform) -> String {
    match platform.kv.get(GENERATION_KEY).await {
        Ok(Some(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => "0".to_owned(),
    }
}

/// The cache key of an anonymous list page (the query as its SHA-256).
pub fn list_key(generation: &str, version: &str, query: &str) -> String {
    format!("articles:list:{generation}:{version}:{}", identity::crypto::sha256_hex(query.as_bytes()))
}

/// Drops `article` (by id, by its slug and by `old_slug` if it changed) and every cached list
/// page. Call after the change committed.
pub async fn changed(platform: &Platform, article: &Article, old_slug: Option<&str>) {
    let mut keys = vec![by_id_key(&article.id), by_slug_key(&article.slug)];
    if let Some(old) = old_slug.filter(|old| *old != article.slug) {
        keys.push(by_slug_key(old));
    }
    cache::invalidate(platform, &keys).await;
    let next = format!(
        "{}-{}",
        platform.clock.now_millis(),
        web::ports::random::random_hex::<4>(&*platform.random).unwrap_or_default()
    );
    // A failure only delays list freshness until the pages expire; it is not an error.
    let _ = platform.kv.put(GENERATION_KEY, next.as_bytes(), None).await;
}

fn published_loader(platform: &Platform, lookup: Lookup) -> Loader {
    let platform = platform.clone();
    Rc::new(move || {
        let platform = platform.clone();
        let lookup = lookup.clone();
        Box::pin(async move {
            let article = match &lookup {
                Lookup::Id(id) => store::load(&platform, id).await?,
                Lookup::Slug(slug) => store::load_by_slug(&platform, slug).await?,
            };
            article
                .filter(|a| a.status == Status::Published)
                .map(|a| serde_json::to_vec(&a).map_err(|e| Problem::internal(e.to_string())))
                .transpose()
        })
    })
}

#[derive(Clone)]
enum Lookup {
    Id(String),
    Slug(String),
}

async fn published(platform: &Platform, key: String, lookup: Lookup) -> Result<(Option<Article>, Source), Problem> {
    let (bytes, source) =
        cache::read_through(platform, &key, ARTICLE_POLICY, published_loader(platform, lookup)).await?;
    let article = bytes
        .map(|b| serde_json::from_slice(&b))
        .transpose()
        .map_err(|e| Problem::internal(format!("cached article: {e}")))?;
    Ok((article, source))
}

/// The published article `id`, through the cache.
pub async fn published_by_id(platform: &Platform, id: &str) -> Result<(Option<Article>, Source), Problem> {
    published(platform, by_id_key(id), Lookup::Id(id.to_owned())).await
}

/// The published article with `slug`, through the cache.
pub async fn published_by_slug(platform: &Platform, slug: &str) -> Result<(Option<Article>, Source), Problem> {
    published(platform, by_slug_key(slug), Lookup::Slug(slug.to_owned())).await
}

/// Article `id` as `caller` may read it: a published one through the cache (with its
/// source, for caching headers), a draft or archived one from the database for its author and
/// editors (source `None`); 404 otherwise.
#[inline(never)]
pub fn readable<'a>(
    platform: &'a Platform,
    caller: Option<&'a Principal>,
    id: &'a str,
) -> Pending<'a, (Article, Option<Source>)> {
    Box::pin(async move {
        if let (Some(article), source) = published_by_id(platform, id).await? {
            return Ok((article, Some(source)));
        }
        Ok((store::visible(platform, caller, id).await?, None))
    })
}

/// As [`readable`], by slug.
#[inline(never)]
pub fn readable_by_slug<'a>(
    platform: &'a Platform,
    caller: Option<&'a Principal>,
    slug: &'a str,
) -> Pending<'a, (Article, Option<Source>)> {
    Box::pin(async move {
        if let (Some(article), source) = published_by_slug(platform, slug).await? {
            return Ok((article, Some(source)));
        }
        Ok((store::visible_by_slug(platform, caller, slug).await?, None))
    })
}
