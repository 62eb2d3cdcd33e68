//! Comments on published articles: signed-in users write them; their author or a moderator
//! (editors, admins) deletes them, a moderator's deletion of someone else's audited.

use std::collections::HashMap;

use identity::ids::new_id;
use identity::{Permission, Principal};
use rest::audit::{self, Entry};
use rest::listing::{Filter, Page, Sort, SortKey};
use serde::Serialize;
use web::Pending;
use web::http::StatusCode;
use web::ports::Platform;
use web::ports::sql::{Row, Statement, Value};
use web::{Problem, Request};

use crate::article::{Article, Status};
use crate::text;

/// Columns [`Comment::from_row`] reads.
pub const COLUMNS: &str = "id, article_id, author_id, body, created_at";

/// Oldest first, keyset-paged on (created_at, id).
pub const OLDEST_FIRST: Sort = Sort { key: SortKey { name: "created_at", column: "created_at" }, descending: false };

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Id.
    pub id: String,
    /// The article.
    pub article_id: String,
    /// Who wrote it.
    pub author_id: String,
    /// Text.
    pub body: String,
    /// Unix ms.
    pub created_at: i64,
}

impl Comment {
    /// Reads a row selected with [`COLUMNS`].
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        Ok(Self {
            id: row.get("id")?,
            article_id: row.get("article_id")?,
            author_id: row.get("author_id")?,
            body: row.get("body")?,
            created_at: row.get("created_at")?,
        })
    }
}

fn not_published() -> Problem {
    Problem::new(StatusCode::CONFLICT, "article_not_published", "Article not published")
        .with_detail("Comments open when the article is published.")
}

/// Adds `caller`'s comment to `article` (visible to them: the caller checked), which must be
/// published.
#[inline(never)]
pub fn create<'a>(
    request: &'a Request,
    caller: &'a Principal,
    article: &'a Article,
    body: &'a str,
) -> Pending<'a, Comment> {
    Box::pin(async move {
        caller.require(Permission::CommentsWrite)?;
        if article.status != Status::Published {
            return Err(not_published());
        }
        let platform = request.platform();
        let comment = Comment {
            id: new_id(&*platform.random)?,
            article_id: article.id.clone(),
            author_id: caller.user_id.clone(),
            body: text::comment(body)?,
            created_at: platform.clock.now_millis(),
        };
        // Only while the article is still published (it may have been archived meanwhile).
        let inserted = platform
        .sql
        .run(
            &Statement::new(
                "INSERT INTO comments (id, article_id, author_id, body, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?2 AND status = 'published')",
            )
            .bind(comment.id.as_str())
            .bind(comment.article_id.as_str())
            .bind(comment.author_id.as_str())
            .bind(comment.body.as_str())
            .bind(comment.created_at),
        )
        .await?;
        if inserted.rows_affected == 0 {
            return Err(not_published());
        }
        Ok(comment)
    })
}

/// A page of `article_id`'s comments, oldest first, and whether another follows.
#[inline(never)]
pub fn list<'a>(
    platform: &'a Platform,
    article_id: &'a str,
    page: &'a Page,
) -> Pending<'a, (Vec<Comment>, bool, Filter)> {
    Box::pin(async move {
        let mut filter = Filter::default();
        filter.and("article_id = ?", [Value::from(article_id)]);
        let (sql, params) = filter.page_query(COLUMNS, "comments", OLDEST_FIRST, page);
        let mut comments = platform
            .sql
            .query(&Statement { sql, params })
            .await?
            .iter()
            .map(Comment::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = rest::listing::split_extra(&mut comments, page);
        Ok((comments, more, filter))
    })
}

/// The cursor of the page after one ending with `comment`.
pub fn cursor_after(comment: &Comment) -> String {
    rest::listing::encode_cursor(&Value::from(comment.created_at), &comment.id)
}

/// The first `limit` comments (oldest first) of each of these articles, and whether more
/// follow, in one statement whatever the number of articles (for batched reads: the comments
/// of an article page). Articles without comments are absent.
pub async fn first_pages(
    platform: &Platform,
    article_ids: &[&str],
    limit: u32,
) -> Result<HashMap<String, (Vec<Comment>, bool)>, Problem> {
    let mut pages: HashMap<String, (Vec<Comment>, bool)> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(pages);
    }
    let placeholders = vec!["?"; article_ids.len()].join(", ");
    let mut statement = Statement::new(format!(
        "SELECT {COLUMNS} FROM (SELECT {COLUMNS}, ROW_NUMBER() OVER (PARTITION BY article_id ORDER BY created_at, id) \
         AS place FROM comments WHERE article_id IN ({placeholders})) WHERE place <= ? ORDER BY article_id, place"
    ));
    statement.params = article_ids.iter().map(|id| Value::from(*id)).collect();
    statement.params.push(Value::from(i64::from(limit) + 1));
    for row in platform.sql.query(&statement).await? {
        let comment = Comment::from_row(&row)?;
        let (page, more) = pages.entry(comment.article_id.clone()).or_default();
        if page.len() < limit as usize {
            page.push(comment);
        } else {
            *more = true;
        }
    }
    Ok(pages)
}

/// Deletes comment `comment_id` of `article`: its author, or a moderator (audited when the
/// comment is someone else's). Unknown comments are 404.
pub async fn delete(request: &Request, caller: &Principal, article: &Article, comment_id: &str) -> Result<(), Problem> {
    let platform = request.platform();
    let row = platform
        .sql
        .query_optional(
            &Statement::new(format!("SELECT {COLUMNS} FROM comments WHERE id = ?1 AND article_id = ?2"))
                .bind(comment_id)
                .bind(article.id.as_str()),
        )
        .await?
        .ok_or_else(Problem::not_found)?;
    let comment = Comment::from_row(&row)?;
    let own = comment.author_id == caller.user_id && caller.has(Permission::CommentsWrite);
    if !own {
        caller.require(Permission::CommentsModerate)?;
    }
    let mut batch = vec![Statement::new("DELETE FROM comments WHERE id = ?1").bind(comment_id)];
    if !own {
        let entry = Entry {
            action: "comment.delete",
            target_type: "comment",
            target_id: comment_id,
            before: Some(serde_json::json!({"article_id": comment.article_id, "author_id": comment.author_id})),
            after: None,
        };
        batch.push(audit::statement(request, caller, &entry, None));
    }
    platform.sql.batch(&batch).await?;
    Ok(())
}
