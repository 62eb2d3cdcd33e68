//! Comments: `GET`/`POST /vN/articles/{id}/comments`, `DELETE …/comments/{comment_id}`.

use http::{HeaderValue, StatusCode, header};
use identity::{authenticate, authenticate_optional};
use publishing::comments;
use publishing::store;
use rest::listing;
use rest::versions::ApiVersion;
use web::{Problem, Request, Response, empty_response, json_response};

use crate::input::NewComment;
use crate::representation::CommentOut;

fn version(request: &Request) -> ApiVersion {
    ApiVersion::of_route(request.route())
}

/// `GET /vN/articles/{id}/comments`: oldest first, for anyone who may see the article.
pub async fn list(request: Request) -> Result<Response, Problem> {
    let version = version(&request);
    listing::check_params(&request, version, &[])?;
    if request.uri().query().unwrap_or("").split('&').any(|p| p.starts_with("sort=")) {
        return Err(Problem::bad_request("invalid_query", "Comments are always oldest first."));
    }
    let caller = authenticate_optional(&request).await?;
    let platform = request.platform();
    let article = store::visible(platform, caller.as_ref(), request.param("id")?).await?;
    let page = listing::page(&request, version)?;
    let (found, more, filter) = comments::list(platform, &article.id, &page).await?;
    let items: Vec<CommentOut> = found.iter().map(|c| CommentOut::new(c, version)).collect();
    let body = filter
        .page_body(&*platform.sql, "comments", &page, items, || {
            more.then(|| found.last()).flatten().map(comments::cursor_after)
        })
        .await?;
    json_response(StatusCode::OK, &body)
}

/// `POST /vN/articles/{id}/comments` (signed in, `comments:write`; published articles only).
pub async fn create(request: Request) -> Result<Response, Problem> {
    let caller = authenticate(&request).await?;
    let article = store::visible(request.platform(), Some(&caller), request.param("id")?).await?;
    let new: NewComment = request.json()?;
    let comment = comments::create(&request, &caller, &article, &new.body).await?;
    let version = version(&request);
    let mut response = json_response(StatusCode::CREATED, &CommentOut::new(&comment, version))?;
    let location = format!("{}/articles/{}/comments/{}", version.prefix(), article.id, comment.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `DELETE /vN/articles/{id}/comments/{comment_id}` (its author, or a moderator): 204.
pub async fn remove(request: Request) -> Result<Response, Problem> {
    let caller = authenticate(&request).await?;
    let article = store::visible(request.platform(), Some(&caller), request.param("id")?).await?;
    comments::delete(&request, &caller, &article, request.param("comment_id")?).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
