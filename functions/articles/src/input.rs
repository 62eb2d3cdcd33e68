//! Request bodies (the same in both versions).

use publishing::Status;
use publishing::store::{Changes, NewArticle};
use serde::Deserialize;
use web::{Problem, Request};

/// `POST /vN/articles` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateArticle))]
pub(crate) struct Create {
    /// 1-200 characters (trimmed); the slug is made from it.
    #[cfg_attr(feature = "openapi", schema(example = "Rust at the edge", min_length = 1, max_length = 200))]
    title: String,
    /// At most 500 characters (default empty).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "Why WebAssembly fits edge functions.", max_length = 500))]
    summary: String,
    /// Markdown, 1-100000 bytes.
    #[cfg_attr(feature = "openapi", schema(example = "# Hello\n\nEdge functions start fast.", min_length = 1))]
    body: String,
    /// Up to 10 tags, each 1-32 of `a-z 0-9 -` after normalising (lower case, spaces as `-`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = json!(["rust", "edge"]), max_items = 10))]
    tags: Vec<String>,
}

/// `PATCH /vN/articles/{id}` body: any subset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PatchArticle))]
pub(crate) struct Patch {
    /// New title (until the first publication the slug follows it).
    #[cfg_attr(feature = "openapi", schema(example = "Rust at the edge, revisited", min_length = 1, max_length = 200))]
    title: Option<String>,
    /// New summary.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    summary: Option<String>,
    /// New Markdown body.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    body: Option<String>,
    /// New tags (replace the old ones).
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    tags: Option<Vec<String>>,
    /// `draft` takes a published article back to draft (its author only while nobody else has
    /// changed it since; editors always). Publish and archive have their own endpoints.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "draft"))]
    status: Option<String>,
}

/// `POST /vN/articles/{id}/comments` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateComment))]
pub(crate) struct NewComment {
    /// 1-2000 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "Great read, thanks!", min_length = 1, max_length = 2000))]
    pub(crate) body: String,
}

/// The new article in a create request.
pub(crate) fn new_article(request: &Request) -> Result<NewArticle, Problem> {
    let body: Create = request.json()?;
    Ok(NewArticle { title: body.title, summary: body.summary, body: body.body, tags: body.tags })
}

/// The changes in a `PATCH` request.
pub(crate) fn changes(request: &Request) -> Result<Changes, Problem> {
    let body: Patch = request.json()?;
    let status = match body.status.as_deref() {
        None => None,
        Some("draft") => Some(Status::Draft),
        Some(_) => {
            return Err(Problem::unprocessable(
                "invalid_article",
                "`status` may only be `draft` here; publish and archive have their own endpoints.",
            ));
        }
    };
    Ok(Changes { title: body.title, summary: body.summary, body: body.body, tags: body.tags, status })
}
