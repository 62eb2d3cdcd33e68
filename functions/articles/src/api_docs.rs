//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).
//! The wire types live in `representation.rs`; these mirror them per version for the document.

use utoipa::{OpenApi, ToSchema};

use crate::input::{Create, NewComment, Patch};

/// Where an article is in its life.
#[derive(ToSchema)]
#[schema(as = ArticleStatus)]
pub enum Status {
    /// Visible to its author and editors only.
    #[serde(rename = "draft")]
    Draft,
    /// Public.
    #[serde(rename = "published")]
    Published,
    /// Withdrawn (final): visible to its author and editors only.
    #[serde(rename = "archived")]
    Archived,
}

/// An article list order: a field, prefixed with `-` for descending. Default `-published_at`
/// (`-created_at` for drafts and archived articles); searches rank instead.
#[derive(ToSchema)]
pub enum ArticleSort {
    /// Oldest publication first.
    #[serde(rename = "published_at")]
    PublishedAt,
    /// Newest publication first (the default).
    #[serde(rename = "-published_at")]
    PublishedAtDescending,
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first.
    #[serde(rename = "-created_at")]
    CreatedAtDescending,
    /// By title, A to Z.
    #[serde(rename = "title")]
    Title,
    /// By title, Z to A.
    #[serde(rename = "-title")]
    TitleDescending,
}

/// An article (v1).
#[derive(ToSchema)]
pub struct ArticleV1 {
    /// Id.
    #[schema(example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21")]
    pub id: String,
    /// URL name: follows the title until the first publication, then fixed.
    #[schema(example = "rust-at-the-edge")]
    pub slug: String,
    /// Title.
    #[schema(example = "Rust at the edge")]
    pub title: String,
    /// Summary (may be empty).
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Normalised tags.
    #[schema(example = json!(["rust", "edge"]))]
    pub tags: Vec<String>,
    /// The author (a user id).
    pub author_id: String,
    /// Status.
    pub status: Status,
    /// First publication, Unix ms. Absent until published.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 1795311924847_i64)]
    pub published_at: Option<i64>,
    /// Unix ms.
    #[schema(example = 1795311924847_i64)]
    pub created_at: i64,
    /// Unix ms.
    #[schema(example = 1795311924847_i64)]
    pub updated_at: i64,
}

/// An article in a list (v1): no body; with `snippet_html` in searches.
#[derive(ToSchema)]
pub struct ArticleListItemV1 {
    /// Id.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The author.
    pub author_id: String,
    /// Status.
    pub status: Status,
    /// First publication, Unix ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 1795311924847_i64)]
    pub published_at: Option<i64>,
    /// Unix ms.
    #[schema(example = 1795311924847_i64)]
    pub created_at: i64,
    /// Unix ms.
    #[schema(example = 1795311924847_i64)]
    pub updated_at: i64,
    /// Searches only: HTML-escaped text around the best match, each match in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "… compiles to <mark>Rust</mark> …")]
    pub snippet_html: Option<String>,
}

/// A comment (v1).
#[derive(ToSchema)]
pub struct CommentV1 {
    /// Id.
    pub id: String,
    /// The article.
    pub article_id: String,
    /// Who wrote it.
    pub author_id: String,
    /// Text.
    #[schema(example = "Great read, thanks!")]
    pub body: String,
    /// Unix ms.
    #[schema(example = 1795311924847_i64)]
    pub created_at: i64,
}

/// A v1 page (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct ArticlePageV1 {
    /// This page's items.
    pub items: Vec<ArticleListItemV1>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching items across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// A v1 page (`page`/`per_page` numbering, with the total).
#[derive(ToSchema)]
pub struct CommentPageV1 {
    /// This page's items.
    pub items: Vec<CommentV1>,
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Matching items across all pages.
    #[schema(example = 1)]
    pub total: i64,
}

/// An article (v2).
#[derive(ToSchema)]
pub struct ArticleV2 {
    /// Id.
    #[schema(example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21")]
    pub id: String,
    /// URL name: follows the title until the first publication, then fixed.
    #[schema(example = "rust-at-the-edge")]
    pub slug: String,
    /// Title.
    #[schema(example = "Rust at the edge")]
    pub title: String,
    /// Summary (may be empty).
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Normalised tags.
    #[schema(example = json!(["rust", "edge"]))]
    pub tags: Vec<String>,
    /// The author (a user id).
    pub author_id: String,
    /// Status.
    pub status: Status,
    /// First publication, RFC 3339. Absent until published.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub published_at: Option<String>,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub created_at: String,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub updated_at: String,
}

/// An article in a list (v2): no body; with `snippet_html` in searches.
#[derive(ToSchema)]
pub struct ArticleListItemV2 {
    /// Id.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The author.
    pub author_id: String,
    /// Status.
    pub status: Status,
    /// First publication, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub published_at: Option<String>,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub created_at: String,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub updated_at: String,
    /// Searches only: HTML-escaped text around the best match, each match in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "… compiles to <mark>Rust</mark> …")]
    pub snippet_html: Option<String>,
}

/// A comment (v2).
#[derive(ToSchema)]
pub struct CommentV2 {
    /// Id.
    pub id: String,
    /// The article.
    pub article_id: String,
    /// Who wrote it.
    pub author_id: String,
    /// Text.
    #[schema(example = "Great read, thanks!")]
    pub body: String,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-11-22T01:45:24.847Z")]
    pub created_at: String,
}

/// A v2 page (opaque cursor).
#[derive(ToSchema)]
pub struct ArticlePageV2 {
    /// This page's items.
    pub items: Vec<ArticleListItemV2>,
    /// Pass as `cursor` (with the same filters) for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
}

/// A v2 page (opaque cursor).
#[derive(ToSchema)]
pub struct CommentPageV2 {
    /// This page's items.
    pub items: Vec<CommentV2>,
    /// Pass as `cursor` (with the same filters) for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
}

/// List or search articles (v1)
///
/// Public. Published articles, newest publication first; with `q`, a full-text search over
/// title, summary, body and tags (SQLite FTS5, ranked by BM25 with title and summary weighted
/// highest), each result with a highlighted `snippet_html`. Every word of `q` is required and taken
/// literally: FTS operators, quotes and `*` are words, not syntax. `status=draft|archived` lists
/// your own (with `author` = your user id) or, for editors, anyone's. Lists carry no bodies.
///
/// This version pages with `page`/`per_page` and answers `{items, page, per_page, total}`; searches page by offset. Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
/// Anonymous pages without `q` may come from the cache (fresh 15 s, then stale 60 s, dropped on
/// every write). Unknown or repeated query parameters are refused (400).
#[utoipa::path(get, path = "/v1/articles", tag = "articles", operation_id = "listArticlesV1",
    params(
        ("q" = Option<String>, Query, description = "Words to search for (at most 10 are used).", example = "rust edge"),
        ("tag" = Option<String>, Query, description = "Only articles with this tag.", example = "rust"),
        ("author" = Option<String>, Query, description = "Only articles by this user id."),
        ("status" = Option<Status>, Query, description = "`published` (default); `draft` or `archived` for your own (with `author`) or as an editor."),
        ("published_from" = Option<String>, Query, description = "Published at or after (Unix milliseconds)."),
        ("published_to" = Option<String>, Query, description = "Published before (Unix milliseconds)."),
        ("sort" = Option<ArticleSort>, Query, description = "Order (ignored by searches, which rank)."),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20)
    ),
    responses((status = 200, description = "One page of articles.", body = ArticlePageV1,
        headers(
            ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous pages, `private, no-cache` otherwise."),
            ("Vary" = String, description = "`Authorization, X-API-Key`."),
            ("X-Cache" = String, description = "For anonymous pages without `q`: which cache tier answered."),
        ))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_articles_v1() {}

/// Write an article (v1)
///
/// Needs `articles:write` (every signed-in user has it). The article starts as your draft, at
/// version 1, visible to you and editors only; its slug is made from the title (a random suffix
/// when another article has it) and follows the title until the first publication.
///
/// Send an `Idempotency-Key` to make retries safe (replayed with `Idempotent-Replayed: true`).
/// Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(post, path = "/v1/articles", tag = "articles", operation_id = "createArticleV1",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18")
    ),
    request_body(content = Create, content_type = "application/json", description = "The new article. Unknown fields are refused."),
    responses((status = 201, description = "Created (a draft).", body = ArticleV1,
        headers(
            ("ETag" = String, description = "`\"v1\"`."),
            ("Location" = String, description = "The article's URL."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same key."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_article_v1() {}

/// Get an article (v1)
///
/// Public for published articles (through the cache); drafts and archived articles only for
/// their author and editors: for anyone else they do not exist (404). `If-None-Match` gives 304.
/// Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(get, path = "/v1/articles/{id}", tag = "articles", operation_id = "getArticleV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the article is still at that version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article.", body = ArticleV1,
            headers(
                ("ETag" = String, description = "The article's version, `\"v<version>\"`."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous reads of published articles, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
                ("X-Cache" = String, description = "For published articles, which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` or `miss-shared`."),
            )),
        (status = 304, description = "Not modified.", headers(("ETag" = String, description = "The current version.")))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_article_v1() {}

/// Get an article by its slug (v1)
///
/// As getting it by id.
/// Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(get, path = "/v1/articles/by-slug/{slug}", tag = "articles", operation_id = "getArticleBySlugV1",
    params(
        ("slug" = String, Path, description = "The article's slug.", example = "rust-at-the-edge"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the article is still at that version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article.", body = ArticleV1,
            headers(
                ("ETag" = String, description = "The article's version, `\"v<version>\"`."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous reads of published articles, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
                ("X-Cache" = String, description = "For published articles, which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` or `miss-shared`."),
            )),
        (status = 304, description = "Not modified.", headers(("ETag" = String, description = "The current version.")))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_article_by_slug_v1() {}

/// Change an article (v1)
///
/// Its author (with `articles:write`) or an editor (`articles:edit_any`); others get 403 for
/// published articles and 404 for drafts. Send only what changes. `status: draft` takes a
/// published article back to draft: the author may do so only while nobody else has changed it
/// since it was published (409 `edited_by_others`), editors always. Changes by editors are
/// audited. With `If-Match`, refused (412) if the article changed since you read it.
/// Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(patch, path = "/v1/articles/{id}", tag = "articles", operation_id = "updateArticleV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    request_body(content = Patch, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed article.", body = ArticleV1,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_article_v1() {}

/// Delete an article (v1)
///
/// Admins (`articles:delete`) only: the article, its tags and its comments go, audited
/// (`article.delete`). With `If-Match`, refused (412) if the article changed since you read it.
#[utoipa::path(delete, path = "/v1/articles/{id}", tag = "articles", operation_id = "deleteArticleV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_article_v1() {}

/// Publish an article (v1)
///
/// A draft becomes public (its author, or an editor); `published_at` is set on the first
/// publication. Anything else is 409 `invalid_transition` with the `allowed` next states.
/// By an editor, audited. Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(post, path = "/v1/articles/{id}/publish", tag = "articles", operation_id = "publishArticleV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article in its new status.", body = ArticleV1,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn publish_article_v1() {}

/// Archive an article (v1)
///
/// A published article is withdrawn for good (its author, or an editor): visible again to its
/// author and editors only. Anything else is 409 `invalid_transition`.
/// By an editor, audited. Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(post, path = "/v1/articles/{id}/archive", tag = "articles", operation_id = "archiveArticleV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article in its new status.", body = ArticleV1,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn archive_article_v1() {}

/// List an article's comments (v1)
///
/// Oldest first, for anyone who may see the article. This version pages with `page`/`per_page` and answers `{items, page, per_page, total}`. Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(get, path = "/v1/articles/{id}/comments", tag = "articles", operation_id = "listArticleCommentsV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1).", minimum = 1, maximum = 100000, example = 1),
        ("per_page" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20)
    ),
    responses((status = 200, description = "One page of comments.", body = CommentPageV1)),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_article_comments_v1() {}

/// Comment on an article (v1)
///
/// Signed-in users (`comments:write`), on published articles only (409 `article_not_published`
/// otherwise). Limited per user by the default `comments` rate-limit rule (10 a minute).
/// Times are Unix milliseconds. Deprecated in favour of the v2 twin (responses carry `Deprecation`, `Sunset` and a successor `Link`).
#[utoipa::path(post, path = "/v1/articles/{id}/comments", tag = "articles", operation_id = "createArticleCommentV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21")
    ),
    request_body(content = NewComment, content_type = "application/json", description = "The comment. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = CommentV1,
        headers(("Location" = String, description = "The comment's URL.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_article_comment_v1() {}

/// Delete a comment (v1)
///
/// Its author, or a moderator (`comments:moderate`: editors, admins), whose deletion of someone
/// else's comment is audited (`comment.delete`).
#[utoipa::path(delete, path = "/v1/articles/{id}/comments/{comment_id}", tag = "articles", operation_id = "deleteArticleCommentV1",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("comment_id" = String, Path, description = "The comment id.")
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_article_comment_v1() {}

/// List or search articles (v2)
///
/// Public. Published articles, newest publication first; with `q`, a full-text search over
/// title, summary, body and tags (SQLite FTS5, ranked by BM25 with title and summary weighted
/// highest), each result with a highlighted `snippet_html`. Every word of `q` is required and taken
/// literally: FTS operators, quotes and `*` are words, not syntax. `status=draft|archived` lists
/// your own (with `author` = your user id) or, for editors, anyone's. Lists carry no bodies.
///
/// This version pages with an opaque cursor (`limit`, then the previous page's `next_cursor` as `cursor`) and answers `{items, next_cursor}`; searches page by offset. Times are RFC 3339.
/// Anonymous pages without `q` may come from the cache (fresh 15 s, then stale 60 s, dropped on
/// every write). Unknown or repeated query parameters are refused (400).
#[utoipa::path(get, path = "/v2/articles", tag = "articles", operation_id = "listArticlesV2",
    params(
        ("q" = Option<String>, Query, description = "Words to search for (at most 10 are used).", example = "rust edge"),
        ("tag" = Option<String>, Query, description = "Only articles with this tag.", example = "rust"),
        ("author" = Option<String>, Query, description = "Only articles by this user id."),
        ("status" = Option<Status>, Query, description = "`published` (default); `draft` or `archived` for your own (with `author`) or as an editor."),
        ("published_from" = Option<String>, Query, description = "Published at or after (RFC 3339)."),
        ("published_to" = Option<String>, Query, description = "Published before (RFC 3339)."),
        ("sort" = Option<ArticleSort>, Query, description = "Order (ignored by searches, which rank)."),
        ("limit" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (opaque); omit for the first page. Keep the same filters and sort.")
    ),
    responses((status = 200, description = "One page of articles.", body = ArticlePageV2,
        headers(
            ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous pages, `private, no-cache` otherwise."),
            ("Vary" = String, description = "`Authorization, X-API-Key`."),
            ("X-Cache" = String, description = "For anonymous pages without `q`: which cache tier answered."),
        ))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_articles_v2() {}

/// Write an article (v2)
///
/// Needs `articles:write` (every signed-in user has it). The article starts as your draft, at
/// version 1, visible to you and editors only; its slug is made from the title (a random suffix
/// when another article has it) and follows the title until the first publication.
///
/// Send an `Idempotency-Key` to make retries safe (replayed with `Idempotent-Replayed: true`).
/// Times are RFC 3339.
#[utoipa::path(post, path = "/v2/articles", tag = "articles", operation_id = "createArticleV2",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1-255 visible ASCII characters, unique per intended creation (a UUID works well).", example = "5f1c9e0a-8d2b-4c1e-b7a3-0e9d6f4a2c18")
    ),
    request_body(content = Create, content_type = "application/json", description = "The new article. Unknown fields are refused."),
    responses((status = 201, description = "Created (a draft).", body = ArticleV2,
        headers(
            ("ETag" = String, description = "`\"v1\"`."),
            ("Location" = String, description = "The article's URL."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request with the same key."),
        ))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_article_v2() {}

/// Get an article (v2)
///
/// Public for published articles (through the cache); drafts and archived articles only for
/// their author and editors: for anyone else they do not exist (404). `If-None-Match` gives 304.
/// Times are RFC 3339.
#[utoipa::path(get, path = "/v2/articles/{id}", tag = "articles", operation_id = "getArticleV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the article is still at that version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article.", body = ArticleV2,
            headers(
                ("ETag" = String, description = "The article's version, `\"v<version>\"`."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous reads of published articles, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
                ("X-Cache" = String, description = "For published articles, which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` or `miss-shared`."),
            )),
        (status = 304, description = "Not modified.", headers(("ETag" = String, description = "The current version.")))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_article_v2() {}

/// Get an article by its slug (v2)
///
/// As getting it by id.
/// Times are RFC 3339.
#[utoipa::path(get, path = "/v2/articles/by-slug/{slug}", tag = "articles", operation_id = "getArticleBySlugV2",
    params(
        ("slug" = String, Path, description = "The article's slug.", example = "rust-at-the-edge"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` from an earlier read (or `*`): 304 without a body if the article is still at that version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article.", body = ArticleV2,
            headers(
                ("ETag" = String, description = "The article's version, `\"v<version>\"`."),
                ("Cache-Control" = String, description = "`public, max-age=30, stale-while-revalidate=60` for anonymous reads of published articles, `private, no-cache` otherwise."),
                ("Vary" = String, description = "`Authorization, X-API-Key`: the answer depends on the caller."),
                ("X-Cache" = String, description = "For published articles, which cache tier answered: `hit-memory`, `hit-kv`, `stale`, `miss` or `miss-shared`."),
            )),
        (status = 304, description = "Not modified.", headers(("ETag" = String, description = "The current version.")))),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn get_article_by_slug_v2() {}

/// Change an article (v2)
///
/// Its author (with `articles:write`) or an editor (`articles:edit_any`); others get 403 for
/// published articles and 404 for drafts. Send only what changes. `status: draft` takes a
/// published article back to draft: the author may do so only while nobody else has changed it
/// since it was published (409 `edited_by_others`), editors always. Changes by editors are
/// audited. With `If-Match`, refused (412) if the article changed since you read it.
/// Times are RFC 3339.
#[utoipa::path(patch, path = "/v2/articles/{id}", tag = "articles", operation_id = "updateArticleV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    request_body(content = Patch, content_type = "application/json", description = "The fields to change. Unknown fields are refused."),
    responses((status = 200, description = "The changed article.", body = ArticleV2,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn update_article_v2() {}

/// Delete an article (v2)
///
/// Admins (`articles:delete`) only: the article, its tags and its comments go, audited
/// (`article.delete`). With `If-Match`, refused (412) if the article changed since you read it.
#[utoipa::path(delete, path = "/v2/articles/{id}", tag = "articles", operation_id = "deleteArticleV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_article_v2() {}

/// Publish an article (v2)
///
/// A draft becomes public (its author, or an editor); `published_at` is set on the first
/// publication. Anything else is 409 `invalid_transition` with the `allowed` next states.
/// By an editor, audited. Times are RFC 3339.
#[utoipa::path(post, path = "/v2/articles/{id}/publish", tag = "articles", operation_id = "publishArticleV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article in its new status.", body = ArticleV2,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn publish_article_v2() {}

/// Archive an article (v2)
///
/// A published article is withdrawn for good (its author, or an editor): visible again to its
/// author and editors only. Anything else is 409 `invalid_transition`.
/// By an editor, audited. Times are RFC 3339.
#[utoipa::path(post, path = "/v2/articles/{id}/archive", tag = "articles", operation_id = "archiveArticleV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read (`\"v<version>\"`), or `*` for any version.", example = "\"v2\"")
    ),
    responses((status = 200, description = "The article in its new status.", body = ArticleV2,
        headers(("ETag" = String, description = "The new version.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn archive_article_v2() {}

/// List an article's comments (v2)
///
/// Oldest first, for anyone who may see the article. This version pages with an opaque cursor (`limit`, then the previous page's `next_cursor` as `cursor`) and answers `{items, next_cursor}`. Times are RFC 3339.
#[utoipa::path(get, path = "/v2/articles/{id}/comments", tag = "articles", operation_id = "listArticleCommentsV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1-100 (default 20).", minimum = 1, maximum = 100, example = 20),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (opaque); omit for the first page. Keep the same filters and sort.")
    ),
    responses((status = 200, description = "One page of comments.", body = CommentPageV2)),
    security((), ("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn list_article_comments_v2() {}

/// Comment on an article (v2)
///
/// Signed-in users (`comments:write`), on published articles only (409 `article_not_published`
/// otherwise). Limited per user by the default `comments` rate-limit rule (10 a minute).
/// Times are RFC 3339.
#[utoipa::path(post, path = "/v2/articles/{id}/comments", tag = "articles", operation_id = "createArticleCommentV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21")
    ),
    request_body(content = NewComment, content_type = "application/json", description = "The comment. Unknown fields are refused."),
    responses((status = 201, description = "Created.", body = CommentV2,
        headers(("Location" = String, description = "The comment's URL.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn create_article_comment_v2() {}

/// Delete a comment (v2)
///
/// Its author, or a moderator (`comments:moderate`: editors, admins), whose deletion of someone
/// else's comment is audited (`comment.delete`).
#[utoipa::path(delete, path = "/v2/articles/{id}/comments/{comment_id}", tag = "articles", operation_id = "deleteArticleCommentV2",
    params(
        ("id" = String, Path, description = "The article id (UUID).", example = "4f0c2b1e-9d3a-4c8e-a1f2-7b6d5e4c3a21"),
        ("comment_id" = String, Path, description = "The comment id.")
    ),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn delete_article_comment_v2() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_articles_v1,
        create_article_v1,
        get_article_v1,
        get_article_by_slug_v1,
        update_article_v1,
        delete_article_v1,
        publish_article_v1,
        archive_article_v1,
        list_article_comments_v1,
        create_article_comment_v1,
        delete_article_comment_v1,
        list_articles_v2,
        create_article_v2,
        get_article_v2,
        get_article_by_slug_v2,
        update_article_v2,
        delete_article_v2,
        publish_article_v2,
        archive_article_v2,
        list_article_comments_v2,
        create_article_comment_v2,
        delete_article_comment_v2
    ),
    components(schemas(
        ArticleV1,
        ArticleV2,
        ArticleListItemV1,
        ArticleListItemV2,
        ArticlePageV1,
        ArticlePageV2,
        CommentV1,
        CommentV2,
        CommentPageV1,
        CommentPageV2,
        Create,
        Patch,
        NewComment,
        Status,
        ArticleSort
    ))
)]
pub struct ApiDoc;
