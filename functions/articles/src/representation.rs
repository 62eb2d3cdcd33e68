//! What articles and comments look like on the wire: one shape for both versions, whose times
//! are Unix milliseconds in v1 and RFC 3339 in v2 (the documentation spells out each version).

use publishing::store::Listed;
use publishing::{Article, Comment};
use rest::versions::{ApiVersion, Time};
use serde::Serialize;

/// What every view of an article shows: everything but the body.
#[derive(Debug, Serialize)]
pub struct ArticleHead {
    id: String,
    slug: String,
    title: String,
    summary: String,
    tags: Vec<String>,
    author_id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<Time>,
    created_at: Time,
    updated_at: Time,
}

impl ArticleHead {
    fn new(article: &Article, version: ApiVersion) -> Self {
        Self {
            id: article.id.clone(),
            slug: article.slug.clone(),
            title: article.title.clone(),
            summary: article.summary.clone(),
            tags: article.tags.clone(),
            author_id: article.author_id.clone(),
            status: article.status.as_str(),
            published_at: article.published_at.map(|at| Time::new(at, version)),
            created_at: Time::new(article.created_at, version),
            updated_at: Time::new(article.updated_at, version),
        }
    }
}

/// A whole article.
#[derive(Debug, Serialize)]
pub struct ArticleOut {
    #[serde(flatten)]
    head: ArticleHead,
    body: String,
}

impl ArticleOut {
    /// `article` as `version` shows it.
    pub fn new(article: &Article, version: ApiVersion) -> Self {
        Self { head: ArticleHead::new(article, version), body: article.body.clone() }
    }
}

/// An article in a list: no body, plus the search snippet when searching.
#[derive(Debug, Serialize)]
pub struct ListedOut {
    #[serde(flatten)]
    head: ArticleHead,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet_html: Option<String>,
}

impl ListedOut {
    /// `listed` as `version` shows it.
    pub fn new(listed: &Listed, version: ApiVersion) -> Self {
        Self { head: ArticleHead::new(&listed.article, version), snippet_html: listed.snippet_html.clone() }
    }
}

/// A comment.
#[derive(Debug, Serialize)]
pub struct CommentOut {
    id: String,
    article_id: String,
    author_id: String,
    body: String,
    created_at: Time,
}

impl CommentOut {
    /// `comment` as `version` shows it.
    pub fn new(comment: &Comment, version: ApiVersion) -> Self {
        Self {
            id: comment.id.clone(),
            article_id: comment.article_id.clone(),
            author_id: comment.author_id.clone(),
            body: comment.body.clone(),
            created_at: Time::new(comment.created_at, version),
        }
    }
}
