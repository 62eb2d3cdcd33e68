//! The SQL of publishing, and the operations every face calls. Each change is one batch: the
//! article, its tag rows, and (when an editor or admin changes someone else's article) its
//! audit row, all or nothing; the full-text index follows by trigger (migration 0010).

use identity::ids::new_id;
use identity::{Permission, Principal};
use rest::audit::{self, Entry};
use rest::idempotency;
use rest::listing::{Filter, Page, Sort, SortKey, encode_cursor};
use rest::outbox;
use rest::preconditions::precondition_failed;
use web::Pending;
use web::ports::sql::{Statement, Value};
use web::ports::{Platform, PortErrorKind};
use web::{Problem, Request, Response};

use crate::article::{Article, COLUMNS, Status};
use crate::search::{RANK_SQL, SNIPPET_SQL, fts_query, snippet_html};
use crate::{cached, text};

/// What an author sends to create an article.
#[derive(Debug, Clone, Default)]
pub struct NewArticle {
    /// Title (the slug is made from it).
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Markdown body.
    pub body: String,
    /// Tags, normalised on the way in.
    pub tags: Vec<String>,
}

/// A change: any field left `None` stays.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// New title (also the slug while the article has never been published).
    pub title: Option<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// A new status (checked against the status machine).
    pub status: Option<Status>,
}

/// Sorts of article lists: newest publication first by default.
pub const SORTS: &[SortKey] = &[
    SortKey { name: "published_at", column: "published_at" },
    SortKey { name: "created_at", column: "created_at" },
    SortKey { name: "title", column: "title" },
];

/// The default order of a list in `status`: newest published first for published articles,
/// newest written first for drafts and archived ones (which may have no publication time).
pub fn default_sort(status: Status) -> Sort {
    let key = if status == Status::Published { SORTS[0] } else { SORTS[1] };
    Sort { key, descending: true }
}

/// `article.<verb>` for the audit log, and for clients reading it.
fn action(verb: &str) -> String {
    format!("article.{verb}")
}

/// The outbox event type of a change (`publish` → `article.published`).
fn event_kind(verb: &str) -> &'static str {
    match verb {
        "create" => "article.created",
        "publish" => "article.published",
        "archive" => "article.archived",
        "unpublish" => "article.unpublished",
        "delete" => "article.deleted",
        _ => "article.updated",
    }
}

/// The article with `id`, whatever its status.
pub async fn load(platform: &Platform, id: &str) -> Result<Option<Article>, Problem> {
    let statement = Statement::new(format!("SELECT {COLUMNS} FROM articles WHERE id = ?1")).bind(id);
    platform.sql.query_optional(&statement).await?.as_ref().map(Article::from_row).transpose()
}

/// The article with `slug`, whatever its status.
pub async fn load_by_slug(platform: &Platform, slug: &str) -> Result<Option<Article>, Problem> {
    let statement = Statement::new(format!("SELECT {COLUMNS} FROM articles WHERE slug = ?1")).bind(slug);
    platform.sql.query_optional(&statement).await?.as_ref().map(Article::from_row).transpose()
}

/// The article `id` if `caller` may see it, else 404 (others' drafts do not exist for them).
#[inline(never)]
pub fn visible<'a>(platform: &'a Platform, caller: Option<&'a Principal>, id: &'a str) -> Pending<'a, Article> {
    Box::pin(async move { load(platform, id).await?.filter(|a| a.visible_to(caller)).ok_or_else(Problem::not_found) })
}

/// The article with `slug` if `caller` may see it, else 404.
#[inline(never)]
pub fn visible_by_slug<'a>(
    platform: &'a Platform,
    caller: Option<&'a Principal>,
    slug: &'a str,
) -> Pending<'a, Article> {
    Box::pin(async move {
        load_by_slug(platform, slug).await?.filter(|a| a.visible_to(caller)).ok_or_else(Problem::not_found)
    })
}

/// Validates `new` into the article `author` is about to create (a draft).
fn draft(platform: &Platform, author: &Principal, new: NewArticle) -> Result<Article, Problem> {
    let title = text::title(&new.title)?;
    let now = platform.clock.now_millis();
    Ok(Article {
        id: new_id(&*platform.random)?,
        slug: text::slug(&title),
        title,
        summary: text::summary(&new.summary)?,
        body: text::body(&new.body)?,
        tags: text::tags(&new.tags)?,
        author_id: author.user_id.clone(),
        status: Status::Draft,
        published_at: None,
        edited_by_other: false,
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

/// Statements replacing `article`'s tag rows, each only if `applied` (a condition and its
/// parameters) holds after the batch's earlier statements.
fn tag_rows(article: &Article, applied: &(String, Vec<Value>)) -> Vec<Statement> {
    let mut statements = Vec::with_capacity(article.tags.len() + 1);
    let mut delete = Statement::new(format!("DELETE FROM article_tags WHERE article_id = ? AND {}", applied.0));
    delete.params.push(Value::from(article.id.as_str()));
    delete.params.extend(applied.1.iter().cloned());
    statements.push(delete);
    for tag in &article.tags {
        let mut insert =
            Statement::new(format!("INSERT INTO article_tags (tag, article_id) SELECT ?, ? WHERE {}", applied.0));
        insert.params.extend([Value::from(tag.as_str()), Value::from(article.id.as_str())]);
        insert.params.extend(applied.1.iter().cloned());
        statements.push(insert);
    }
    statements
}

/// Whether a failed write was the slug's uniqueness (another article has it).
fn slug_taken(error: &web::ports::PortError) -> bool {
    error.kind == PortErrorKind::Constraint && error.message.contains("slug")
}

/// `slug` made unique with a short random suffix (for a retry after [`slug_taken`]).
fn with_suffix(platform: &Platform, slug: &str) -> Result<String, Problem> {
    let suffix = web::ports::random::random_hex::<3>(&*platform.random)?;
    let base: String = slug.chars().take(text::MAX_SLUG_CHARS - 7).collect();
    Ok(format!("{}-{suffix}", base.trim_end_matches('-')))
}

/// Creates a draft for `author` (one batch: the article, its tags and, under an
/// `Idempotency-Key`, the stored response `render` makes of it).
pub async fn create(
    request: &Request,
    author: &Principal,
    new: NewArticle,
    reservation: Option<&idempotency::Reservation>,
    render: impl Fn(&Article) -> Result<Response, Problem>,
) -> Result<Response, Problem> {
    author.require(Permission::ArticlesWrite)?;
    let platform = request.platform();
    let mut article = draft(platform, author, new)?;
    // A title another article's slug already has gets a suffix on the second try.
    for attempt in 0..2 {
        if attempt == 1 {
            article.slug = with_suffix(platform, &article.slug)?;
        }
        let response = render(&article)?;
        let mut batch = vec![
            Statement::new(
                "INSERT INTO articles (id, slug, title, summary, body, tags, author_id, status, created_at, updated_at, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?8, 1)",
            )
            .bind(article.id.as_str())
            .bind(article.slug.as_str())
            .bind(article.title.as_str())
            .bind(article.summary.as_str())
            .bind(article.body.as_str())
            .bind(article.tags.join(" "))
            .bind(article.author_id.as_str())
            .bind(article.created_at),
        ];
        let exists =
            ("EXISTS (SELECT 1 FROM articles WHERE id = ?)".to_owned(), vec![Value::from(article.id.as_str())]);
        batch.extend(tag_rows(&article, &exists));
        batch.push(outbox::statement(request, &article.event(event_kind("create")), None));
        if let Some(reservation) = reservation {
            batch.push(idempotency::complete(reservation, &response, (&exists.0, exists.1.clone())));
        }
        match platform.sql.batch(&batch).await {
            Ok(_) => {
                cached::changed(platform, &article, None).await;
                webhook_delivery::after_change(platform);
                return Ok(response);
            }
            Err(error) if attempt == 0 && slug_taken(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(Problem::internal("article slug still taken after a random suffix"))
}

/// Applies `changes` to `current` for `caller`: validation, the status machine, the slug rule
/// (it follows the title until the first publication), then one batch guarded by the version
/// `current` was read at (412 if it moved on), with an audit row when `caller` is not the
/// author. Returns the article as written.
pub async fn change(
    request: &Request,
    caller: &Principal,
    current: &Article,
    changes: Changes,
) -> Result<Article, Problem> {
    current.require_change(caller)?;
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let mut next = current.clone();
    let mut verb = "update";
    if let Some(title) = &changes.title {
        next.title = text::title(title)?;
        if current.published_at.is_none() {
            next.slug = text::slug(&next.title);
        }
    }
    if let Some(summary) = &changes.summary {
        next.summary = text::summary(summary)?;
    }
    if let Some(body) = &changes.body {
        next.body = text::body(body)?;
    }
    if let Some(tags) = &changes.tags {
        next.tags = text::tags(tags)?;
    }
    if let Some(status) = changes.status.filter(|s| *s != current.status) {
        current.check_transition(status, caller)?;
        next.status = status;
        verb = match status {
            Status::Published => "publish",
            Status::Archived => "archive",
            Status::Draft => "unpublish",
        };
        if status == Status::Published {
            next.published_at = Some(current.published_at.unwrap_or(now));
            next.edited_by_other = false;
        }
    }
    if !current.is_author(caller) && verb == "update" {
        next.edited_by_other = true;
    }
    next.updated_at = now;
    next.version = current.version + 1;
    write(request, caller, current, next, verb).await
}

async fn write(
    request: &Request,
    caller: &Principal,
    current: &Article,
    mut next: Article,
    verb: &str,
) -> Result<Article, Problem> {
    let platform = request.platform();
    for attempt in 0..2 {
        if attempt == 1 {
            next.slug = with_suffix(platform, &next.slug)?;
        }
        let mutation = new_id(&*platform.random)?;
        let applied = (
            "EXISTS (SELECT 1 FROM articles WHERE id = ? AND mutation_id = ?)".to_owned(),
            vec![Value::from(current.id.as_str()), Value::from(mutation.as_str())],
        );
        let mut batch = vec![
            Statement::new(
                "UPDATE articles SET slug = ?3, title = ?4, summary = ?5, body = ?6, tags = ?7, status = ?8, \
                 published_at = ?9, edited_by_other = ?10, updated_at = ?11, version = version + 1, mutation_id = ?12 \
                 WHERE id = ?1 AND version = ?2",
            )
            .bind(current.id.as_str())
            .bind(current.version)
            .bind(next.slug.as_str())
            .bind(next.title.as_str())
            .bind(next.summary.as_str())
            .bind(next.body.as_str())
            .bind(next.tags.join(" "))
            .bind(next.status.as_str())
            .bind(next.published_at)
            .bind(next.edited_by_other)
            .bind(next.updated_at)
            .bind(mutation.as_str()),
        ];
        batch.extend(tag_rows(&next, &applied));
        batch.push(outbox::statement(request, &next.event(event_kind(verb)), Some((&applied.0, applied.1.clone()))));
        if !current.is_author(caller) {
            let entry = Entry {
                action: &action(verb),
                target_type: "article",
                target_id: &current.id,
                before: Some(current.audit_summary()),
                after: Some(next.audit_summary()),
            };
            batch.push(audit::statement(request, caller, &entry, Some((&applied.0, applied.1.clone()))));
        }
        match platform.sql.batch(&batch).await {
            Ok(results) => {
                // Someone changed it between our read and this write: 412.
                if results.first().is_none_or(|r| r.rows_affected == 0) {
                    return Err(precondition_failed());
                }
                cached::changed(platform, &next, Some(&current.slug)).await;
                webhook_delivery::after_change(platform);
                return Ok(next);
            }
            Err(error) if attempt == 0 && slug_taken(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(Problem::internal("article slug still taken after a random suffix"))
}

/// Deletes `current` with its comments and tags (admins only: `articles:delete`), audited.
pub async fn delete(request: &Request, caller: &Principal, current: &Article) -> Result<(), Problem> {
    if !caller.has(Permission::ArticlesDelete) {
        return if current.visible_to(Some(caller)) {
            Err(identity::forbidden(Permission::ArticlesDelete))
        } else {
            Err(Problem::not_found())
        };
    }
    let platform = request.platform();
    let id = current.id.as_str();
    // Everything in the batch is conditional on the article still being at the version read,
    // so a concurrent change or delete (412) leaves its comments, tags, audit and events alone.
    let unchanged = (
        "EXISTS (SELECT 1 FROM articles WHERE id = ? AND version = ?)",
        vec![Value::from(id), Value::from(current.version)],
    );
    let entry = Entry {
        action: &action("delete"),
        target_type: "article",
        target_id: id,
        before: Some(current.audit_summary()),
        after: None,
    };
    let results = platform
        .sql
        .batch(&[
            audit::statement(request, caller, &entry, Some(unchanged.clone())),
            outbox::statement(request, &current.event(event_kind("delete")), Some(unchanged)),
            Statement::new(
                "DELETE FROM comments WHERE article_id = ?1 \
                 AND EXISTS (SELECT 1 FROM articles WHERE id = ?1 AND version = ?2)",
            )
            .bind(id)
            .bind(current.version),
            Statement::new(
                "DELETE FROM article_tags WHERE article_id = ?1 \
                 AND EXISTS (SELECT 1 FROM articles WHERE id = ?1 AND version = ?2)",
            )
            .bind(id)
            .bind(current.version),
            Statement::new("DELETE FROM articles WHERE id = ?1 AND version = ?2").bind(id).bind(current.version),
        ])
        .await?;
    if results.get(4).is_none_or(|r| r.rows_affected == 0) {
        return Err(precondition_failed());
    }
    cached::changed(platform, current, None).await;
    webhook_delivery::after_change(platform);
    Ok(())
}

/// What a list asks for.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Full-text search (ranked, published articles only).
    pub q: Option<String>,
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles by this user.
    pub author: Option<String>,
    /// Status (published unless asked; drafts and archived ones only the caller's own, or any
    /// for editors).
    pub status: Status,
    /// Published at or after (Unix ms).
    pub published_from: Option<i64>,
    /// Published before (Unix ms).
    pub published_to: Option<i64>,
    /// Sort (ignored by searches, which rank).
    pub sort: Sort,
    /// The page.
    pub page: Page,
}

/// One listed article: the article, and for searches its highlighted snippet.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The article.
    pub article: Article,
    /// HTML-safe text around the best match, matches in `<mark>` (searches only).
    pub snippet_html: Option<String>,
}

/// A page of articles.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The articles.
    pub items: Vec<Listed>,
    /// Whether another page follows.
    pub more: bool,
    /// Matching articles across pages (numbered pages only).
    pub total: Option<i64>,
}

/// Checks who may list what: drafts and archived articles are listed for editors, or for
/// their author when the query names them.
pub fn check_list(query: &ListQuery, caller: Option<&Principal>) -> Result<(), Problem> {
    if query.status != Status::Published {
        let own = caller
            .is_some_and(|c| query.author.as_deref() == Some(c.user_id.as_str()) && c.has(Permission::ArticlesWrite));
        let editor = caller.is_some_and(|c| c.has(Permission::ArticlesEditAny));
        if !own && !editor {
            return Err(Problem::bad_request(
                "invalid_query",
                "Only published articles are listed; `status` needs `author` to be yourself (or an editor).",
            ));
        }
        if query.sort.key.name == "published_at" || query.q.is_some() {
            return Err(Problem::bad_request(
                "invalid_query",
                "Drafts and archived articles are listed by `created_at` or `title`, and are not searched.",
            ));
        }
    }
    Ok(())
}

/// The filter shared by lists and searches (`a.` columns).
fn filter(query: &ListQuery) -> Filter {
    let mut filter = Filter::default();
    filter.and("a.status = ?", [Value::from(query.status.as_str())]);
    if let Some(author) = &query.author {
        filter.and("a.author_id = ?", [Value::from(author.as_str())]);
    }
    if let Some(tag) = &query.tag {
        filter.and("a.id IN (SELECT article_id FROM article_tags WHERE tag = ?)", [Value::from(tag.as_str())]);
    }
    if let Some(from) = query.published_from {
        filter.and("a.published_at >= ?", [Value::from(from)]);
    }
    if let Some(to) = query.published_to {
        filter.and("a.published_at < ?", [Value::from(to)]);
    }
    filter
}

/// Lists or searches articles (checked with [`check_list`] first).
#[inline(never)]
pub fn list<'a>(platform: &'a Platform, query: &'a ListQuery) -> Pending<'a, Listing> {
    Box::pin(async move {
        let a_columns: String = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let filter = filter(query);
        let limit = match &query.page {
            Page::Numbered { per_page, .. } => *per_page,
            Page::Cursor { limit, .. } => *limit,
        };
        let statement = if let Some(q) = &query.q {
            let fts =
                fts_query(q).ok_or_else(|| Problem::bad_request("invalid_query", "`q` needs at least one word."))?;
            let offset = match &query.page {
                Page::Numbered { page, per_page } => (page - 1) * per_page,
                Page::Cursor { after, .. } => search_offset(after.as_ref())?,
            };
            let mut statement = Statement::new(format!(
                "SELECT {a_columns}, {SNIPPET_SQL} AS snippet FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid \
             WHERE articles_fts MATCH ? AND {} ORDER BY {RANK_SQL}, a.id LIMIT {} OFFSET {offset}",
                filter.where_clause().trim_start().trim_start_matches("WHERE "),
                limit + 1
            ));
            statement.params.push(Value::from(fts));
            statement.params.extend(filter.params().iter().cloned());
            statement
        } else {
            let (sql, params) = filter.page_query(&a_columns, "articles a", prefixed(query.sort), &query.page);
            Statement { sql, params }
        };
        let rows = platform.sql.query(&statement).await?;
        let mut items = rows
            .iter()
            .map(|row| {
                Ok(Listed {
                    article: Article::from_row(row)?,
                    snippet_html: row.get::<Option<String>>("snippet").ok().flatten().map(|s| snippet_html(&s)),
                })
            })
            .collect::<Result<Vec<_>, Problem>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let total = match query.page {
            Page::Numbered { .. } => Some(count(platform, query, &filter).await?),
            Page::Cursor { .. } => None,
        };
        Ok(Listing { items, more, total })
    })
}

/// The cursor of the page after `listing` (a cursor-paged [`list`] of `query`), if one
/// follows.
pub fn next_cursor(query: &ListQuery, listing: &Listing) -> Option<String> {
    let last = listing.items.len().checked_sub(1)?;
    if listing.more { cursor_after(query, last, &listing.items[last].article) } else { None }
}

/// The cursor that continues a cursor-paged [`list`] of `query` after its item `index`
/// (0-based), `article`: for searches the offset of the next result (they rank), for lists the
/// article's sort value and id.
pub fn cursor_after(query: &ListQuery, index: usize, article: &Article) -> Option<String> {
    let Page::Cursor { after, .. } = &query.page else { return None };
    if query.q.is_some() {
        let start = match after {
            Some((Value::Integer(offset), _)) => *offset,
            _ => 0,
        };
        let next = start.saturating_add(i64::try_from(index).ok()?).saturating_add(1);
        return Some(encode_cursor(&Value::Integer(next), SEARCH_CURSOR));
    }
    let value = match query.sort.key.name {
        "title" => Value::from(article.title.as_str()),
        "created_at" => Value::from(article.created_at),
        _ => Value::from(article.published_at?),
    };
    Some(encode_cursor(&value, &article.id))
}

/// The sort with its column prefixed by the list's table alias.
fn prefixed(sort: Sort) -> Sort {
    let column = match sort.key.name {
        "created_at" => "a.created_at",
        "title" => "a.title",
        _ => "a.published_at",
    };
    Sort { key: SortKey { name: sort.key.name, column }, descending: sort.descending }
}

/// A search's v2 cursor is the offset of the next result (searches rank, so keyset cursors
/// over a float do not apply): `(offset, SEARCH_CURSOR)`.
fn search_offset(after: Option<&(Value, String)>) -> Result<u32, Problem> {
    match after {
        None => Ok(0),
        Some((Value::Integer(offset), marker)) if marker == SEARCH_CURSOR && (0..=10_000).contains(offset) => {
            Ok(u32::try_from(*offset).unwrap_or(0))
        }
        Some(_) => Err(Problem::bad_request("invalid_query", "`cursor` is not a cursor of this search.")),
    }
}

/// The id part of a search cursor (it carries an offset, not a row).
pub const SEARCH_CURSOR: &str = "search";

async fn count(platform: &Platform, query: &ListQuery, filter: &Filter) -> Result<i64, Problem> {
    let mut statement = match &query.q {
        Some(q) => {
            let mut statement = Statement::new(format!(
                "SELECT COUNT(*) AS total FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid \
                 WHERE articles_fts MATCH ? AND {}",
                filter.where_clause().trim_start().trim_start_matches("WHERE ")
            ));
            statement.params.push(Value::from(fts_query(q).unwrap_or_default()));
            statement
        }
        None => Statement::new(format!("SELECT COUNT(*) AS total FROM articles a{}", filter.where_clause())),
    };
    statement.params.extend(filter.params().iter().cloned());
    let row = platform.sql.query_optional(&statement).await?;
    Ok(row.map(|r| r.get::<i64>("total")).transpose()?.unwrap_or(0))
}
