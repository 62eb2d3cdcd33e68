//! The publishing half of the graph: articles and their comments over `shared/publishing`,
//! with the REST face's rules (drafts and archived articles only for their author and editors,
//! comments only on published articles). An article page reads its comments in one statement.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, Object, Result};
use publishing::article::{Article, Status};
use publishing::comments::{self, Comment};
use publishing::store::{self, ListQuery};
use publishing::text;
use rest::listing::Page;
use rest::versions::rfc3339;
use web::Problem;

use crate::schema::{list_complexity, page};
use crate::scope::resolve;

/// Read fields over articles.
#[derive(Default)]
pub struct PublishingQuery;

/// Write fields over articles.
#[derive(Default)]
pub struct PublishingMutation;

/// Where an article is in its life.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStatus {
    /// Written; visible to its author and editors only.
    Draft,
    /// Public.
    Published,
    /// Withdrawn (final); visible to its author and editors only.
    Archived,
}

impl From<Status> for ArticleStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Draft => Self::Draft,
            Status::Published => Self::Published,
            Status::Archived => Self::Archived,
        }
    }
}

impl From<ArticleStatus> for Status {
    fn from(status: ArticleStatus) -> Self {
        match status {
            ArticleStatus::Draft => Self::Draft,
            ArticleStatus::Published => Self::Published,
            ArticleStatus::Archived => Self::Archived,
        }
    }
}

/// The first comment pages of an article page, read in one statement (see [`first_comments`]).
struct Prefetched {
    /// The page size they were read with.
    limit: u32,
    /// Per article id: its first comments and whether more follow.
    pages: HashMap<String, (Vec<Comment>, bool)>,
}

/// An article, with its page's prefetched comments when the query asked for them.
pub struct ArticleNode {
    article: Article,
    snippet_html: Option<String>,
    comments: Option<Arc<Prefetched>>,
}

/// An article.
#[Object(name = "Article")]
impl ArticleNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.article.id.clone())
    }
    /// URL name (fixed once published).
    async fn slug(&self) -> &str {
        &self.article.slug
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.article.title
    }
    /// Summary (may be empty).
    async fn summary(&self) -> &str {
        &self.article.summary
    }
    /// The text, in Markdown.
    async fn body(&self) -> &str {
        &self.article.body
    }
    /// Tags (lower case).
    async fn tags(&self) -> &[String] {
        &self.article.tags
    }
    /// Status.
    async fn status(&self) -> ArticleStatus {
        self.article.status.into()
    }
    /// The user who wrote it.
    async fn author_id(&self) -> ID {
        ID(self.article.author_id.clone())
    }
    /// First publication (RFC 3339), `null` before.
    async fn published_at(&self) -> Option<String> {
        self.article.published_at.map(rfc3339)
    }
    /// When it was written (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.article.created_at)
    }
    /// When it last changed (RFC 3339).
    async fn updated_at(&self) -> String {
        rfc3339(self.article.updated_at)
    }
    /// Optimistic-concurrency version (the REST ETag).
    async fn version(&self) -> i64 {
        self.article.version
    }
    /// In a search: HTML-safe text around the best match, matches in `<mark>`.
    async fn snippet_html(&self) -> Option<&str> {
        self.snippet_html.as_deref()
    }
    /// Its comments, oldest first, as a Relay connection (an article page reads the first
    /// pages of all its articles in one statement).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, CommentNode>> {
        resolve(ctx, move |scope| async move {
            let page = page(first, after.as_deref())?;
            let (found, more) = match (&self.comments, &page) {
                (Some(prefetched), Page::Cursor { limit, after: None }) if prefetched.limit == *limit => {
                    prefetched.pages.get(&self.article.id).cloned().unwrap_or_default()
                }
                _ => {
                    let (found, more, _) = comments::list(scope.request().platform(), &self.article.id, &page).await?;
                    (found, more)
                }
            };
            let mut connection = Connection::new(after.is_some(), more);
            connection.edges.extend(
                found.into_iter().map(|comment| Edge::new(comments::cursor_after(&comment), CommentNode(comment))),
            );
            Ok(connection)
        })
        .await
    }
}

/// A comment on a published article.
pub struct CommentNode(Comment);

/// A comment on a published article.
#[Object(name = "Comment")]
impl CommentNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The article.
    async fn article_id(&self) -> ID {
        ID(self.0.article_id.clone())
    }
    /// Who wrote it.
    async fn author_id(&self) -> ID {
        ID(self.0.author_id.clone())
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When it was written (RFC 3339).
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
}

/// The page size every `comments` selection under this page's nodes asks for, if they all
/// ask for the same first page (then it is read for the whole page in one statement).
fn first_comments(ctx: &Context<'_>) -> Option<u32> {
    let selections = ctx.look_ahead().field("edges").field("node").field("comments").selection_fields();
    let mut limit = None;
    for field in selections {
        let arguments = field.arguments().ok()?;
        let mut first = None;
        for (name, value) in arguments {
            match (name.as_str(), value) {
                ("after", async_graphql::Value::Null) => {}
                ("first", async_graphql::Value::Number(n)) => first = n.as_u64(),
                ("first", async_graphql::Value::Null) => {}
                _ => return None,
            }
        }
        let first = u32::try_from(first.unwrap_or(u64::from(rest::listing::DEFAULT_PAGE_SIZE))).ok()?;
        if limit.is_some_and(|l| l != first) {
            return None;
        }
        limit = Some(first);
    }
    limit.filter(|l| (1..=rest::listing::MAX_PAGE_SIZE).contains(l))
}

#[Object]
impl PublishingQuery {
    /// One article by `id` or `slug` (give one): published ones for anyone; drafts and
    /// archived ones for their author and editors, `null` with `not_found` for everyone else.
    /// (Read from the database: unlike REST's, GraphQL answers are not cached by URL.)
    async fn article(&self, ctx: &Context<'_>, id: Option<ID>, slug: Option<String>) -> Result<Option<ArticleNode>> {
        resolve(ctx, move |scope| async move {
            let platform = scope.request().platform();
            let article = match (id, slug) {
                (Some(id), None) => store::visible(platform, scope.principal(), &id).await?,
                (None, Some(slug)) => store::visible_by_slug(platform, scope.principal(), &slug).await?,
                _ => return Err(Problem::bad_request("invalid_query", "Give either `id` or `slug`.")),
            };
            Ok(Some(ArticleNode { article, snippet_html: None, comments: None }))
        })
        .await
    }

    /// Articles as a Relay connection: published ones newest first, or with `search` a ranked
    /// full-text search (with snippets); `status` other than PUBLISHED lists one's own drafts or
    /// archived articles (`author` = oneself), or anyone's for editors.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only articles with this tag.")] tag: Option<String>,
        #[graphql(desc = "Only articles by this user.")] author: Option<ID>,
        #[graphql(desc = "Status (default PUBLISHED).")] status: Option<ArticleStatus>,
        #[graphql(desc = "Full-text search words (published articles, ranked).")] search: Option<String>,
    ) -> Result<Connection<String, ArticleNode>> {
        let comments_limit = first_comments(ctx);
        resolve(ctx, move |scope| async move {
            let status = status.map_or(Status::Published, Status::from);
            let tag = tag.map(|tag| text::tags(&[tag])).transpose()?.and_then(|mut tags| tags.pop());
            let query = ListQuery {
                q: search,
                tag,
                author: author.map(|a| a.0),
                status,
                published_from: None,
                published_to: None,
                sort: store::default_sort(status),
                page: page(first, after.as_deref())?,
            };
            store::check_list(&query, scope.principal())?;
            let platform = scope.request().platform();
            let listing = store::list(platform, &query).await?;
            let prefetched = match comments_limit {
                Some(limit) => {
                    let ids: Vec<&str> = listing.items.iter().map(|l| l.article.id.as_str()).collect();
                    Some(Arc::new(Prefetched { limit, pages: comments::first_pages(platform, &ids, limit).await? }))
                }
                None => None,
            };
            let mut connection = Connection::new(after.is_some(), listing.more);
            for (index, listed) in listing.items.into_iter().enumerate() {
                let cursor = store::cursor_after(&query, index, &listed.article).unwrap_or_default();
                let node = ArticleNode {
                    article: listed.article,
                    snippet_html: listed.snippet_html,
                    comments: prefetched.clone(),
                };
                connection.edges.push(Edge::new(cursor, node));
            }
            Ok(connection)
        })
        .await
    }
}

#[Object]
impl PublishingMutation {
    /// Comments on a published article (signed in, `comments:write`).
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        #[graphql(desc = "1-2000 characters.")] body: String,
    ) -> Result<CommentNode> {
        resolve(ctx, move |scope| async move {
            let caller = scope.caller()?;
            let article = store::visible(scope.request().platform(), Some(caller), &article_id).await?;
            Ok(CommentNode(comments::create(scope.request(), caller, &article, &body).await?))
        })
        .await
    }
}
