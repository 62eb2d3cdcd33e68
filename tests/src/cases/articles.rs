//! The publishing API live: drafts and publication, SQLite FTS5 search (on D1 and on Spin's
//! SQLite) fed operators and quotes, the editor role with its audit rows, comments.

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::{access, admin_token, customer, promoted};

pub const CASES: &[Case] = &[
    ("articles::drafts_are_private_until_published", drafts_are_private_until_published),
    ("articles::fts5_search_ranks_highlights_and_takes_operators_literally", fts5_search),
    ("articles::editors_change_anyones_article_with_an_audit_row", editors_are_audited),
    ("articles::comments_only_on_published_articles", comments_only_on_published_articles),
];

/// A word no other run or case uses, so searches see only this case's articles.
fn unique_word(tag: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{tag}{}x{}", std::process::id(), nanos % 1_000_000_000)
}

fn create(target: &Target, token: &str, body: &Value) -> Result<Value, String> {
    let response = send(request(Method::POST, &target.base_url, "/v2/articles").bearer_auth(token).json(body))?;
    ensure_eq(response.status().as_u16(), 201, "create article")?;
    response.json().map_err(|e| e.to_string())
}

fn publish(target: &Target, token: &str, id: &str) -> Result<Value, String> {
    let response =
        send(request(Method::POST, &target.base_url, &format!("/v2/articles/{id}/publish")).bearer_auth(token))?;
    ensure_eq(response.status().as_u16(), 200, "publish")?;
    response.json().map_err(|e| e.to_string())
}

fn drafts_are_private_until_published(target: &Target) -> Outcome {
    let (_, alice) = customer(target, "author")?;
    let (_, bob) = customer(target, "reader")?;
    let (alice, bob) = (access(&alice), access(&bob));
    let word = unique_word("slug");
    let created = create(target, &alice, &json!({"title": format!("Hello {word}"), "body": "Draft text."}))?;
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    ensure_eq(created["slug"].as_str().map(str::to_owned), Some(format!("hello-{word}")), "slug from the title")?;
    let path = format!("/v2/articles/{id}");
    expect_problem(send(request(Method::GET, &target.base_url, &path).bearer_auth(&bob))?, 404, "not_found")?;
    expect_problem(send(request(Method::GET, &target.base_url, &path))?, 404, "not_found")?;
    publish(target, &alice, &id)?;
    let public = send(request(Method::GET, &target.base_url, &format!("/v2/articles/by-slug/hello-{word}")))?;
    ensure_eq(public.status().as_u16(), 200, "anonymous read by slug")?;
    ensure_eq(
        header(&public, "cache-control").as_str(),
        "public, max-age=30, stale-while-revalidate=60",
        "public caching",
    )?;
    let etag = header(&public, "etag");
    let again = send(request(Method::GET, &target.base_url, &path).header("if-none-match", &etag))?;
    ensure_eq(again.status().as_u16(), 304, "If-None-Match")?;
    let v1: Value = send(request(Method::GET, &target.base_url, &format!("/v1/articles/{id}")))?
        .json()
        .map_err(|e| e.to_string())?;
    ensure(v1["published_at"].is_i64(), || format!("v1 times are Unix ms: {v1}"))
}

fn fts5_search(target: &Target) -> Outcome {
    let (_, alice) = customer(target, "searcher")?;
    let alice = access(&alice);
    let word = unique_word("fts");
    let titled = create(
        target,
        &alice,
        &json!({"title": format!("{word} in the title"), "body": "Body text <b>bold</b>.", "tags": ["search"]}),
    )?;
    let bodied = create(
        target,
        &alice,
        &json!({"title": "Another one", "body": format!("Only the body has {word}, & <i>markup</i>.")}),
    )?;
    let hidden = create(target, &alice, &json!({"title": format!("Draft {word}"), "body": "never published"}))?;
    for article in [&titled, &bodied] {
        publish(target, &alice, article["id"].as_str().unwrap_or_default())?;
    }
    let search = |q: &str| -> Result<(u16, Value), String> {
        let response = send(request(Method::GET, &target.base_url, "/v2/articles").query(&[("q", q)]))?;
        let status = response.status().as_u16();
        Ok((status, response.json().map_err(|e| e.to_string())?))
    };
    let (status, found) = search(&word)?;
    ensure_eq(status, 200, "search")?;
    let ids: Vec<&str> =
        found["items"].as_array().map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect()).unwrap_or_default();
    ensure_eq(
        ids,
        vec![titled["id"].as_str().unwrap_or_default(), bodied["id"].as_str().unwrap_or_default()],
        "title match ranks first; no drafts",
    )?;
    ensure(!found.to_string().contains(hidden["id"].as_str().unwrap_or("-")), || "a draft was found".into())?;
    let snippet = found["items"][1]["snippet_html"].as_str().unwrap_or_default();
    ensure(
        snippet.contains(&format!("<mark>{word}</mark>")) && snippet.contains("&lt;i&gt;") && !snippet.contains("<i>"),
        || format!("snippet: {snippet}"),
    )?;
    // Operators, quotes and FTS syntax are words: never a 500, never a match they should not make.
    for q in [
        format!("{word} OR nothing"),
        format!("\"{word}"),
        format!("title:{word}"),
        format!("{word}*"),
        format!("NEAR({word} x)"),
        "'; DROP TABLE articles; --".to_owned(),
        "\"\"".to_owned(),
    ] {
        let (status, body) = search(&q)?;
        ensure(status == 200 || (status == 400 && body["code"] == "invalid_query"), || {
            format!("q={q}: {status} {body}")
        })?;
    }
    let (_, or) = search(&format!("{word} OR nothing"))?;
    ensure_eq(or["items"].as_array().map(Vec::len), Some(0), "OR is a required word, not an operator")?;
    let (_, quoted) = search(&format!("\"{word}"))?;
    ensure_eq(quoted["items"].as_array().map(Vec::len), Some(2), "a stray quote is ignored")
}

fn editors_are_audited(target: &Target) -> Outcome {
    let admin = admin_token(target)?;
    let (_, editor) = promoted(target, "editor", "editor")?;
    let (_, alice) = customer(target, "edited")?;
    let alice = access(&alice);
    let article = create(target, &alice, &json!({"title": "To be edited", "body": "Typo teh."}))?;
    let id = article["id"].as_str().unwrap_or_default();
    let edited = send(
        request(Method::PATCH, &target.base_url, &format!("/v2/articles/{id}"))
            .bearer_auth(&editor)
            .json(&json!({"body": "Typo the."})),
    )?;
    ensure_eq(edited.status().as_u16(), 200, "an editor edits someone's draft")?;
    let audit: Value = send(
        request(Method::GET, &target.base_url, "/v1/admin/audit").query(&[("target_id", id)]).bearer_auth(&admin),
    )?
    .json()
    .map_err(|e| e.to_string())?;
    let actions: Vec<&str> =
        audit["items"].as_array().map(|a| a.iter().filter_map(|i| i["action"].as_str()).collect()).unwrap_or_default();
    ensure_eq(actions, vec!["article.update"], "audit rows")
}

fn comments_only_on_published_articles(target: &Target) -> Outcome {
    let (_, alice) = customer(target, "commented")?;
    let (_, bob) = customer(target, "commenter")?;
    let (alice, bob) = (access(&alice), access(&bob));
    let article = create(target, &alice, &json!({"title": "Open for comments", "body": "Say something."}))?;
    let id = article["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/v2/articles/{id}/comments");
    let early =
        send(request(Method::POST, &target.base_url, &path).bearer_auth(&alice).json(&json!({"body": "me first"})))?;
    expect_problem(early, 409, "article_not_published")?;
    publish(target, &alice, &id)?;
    let posted =
        send(request(Method::POST, &target.base_url, &path).bearer_auth(&bob).json(&json!({"body": "Nice!"})))?;
    ensure_eq(posted.status().as_u16(), 201, "comment")?;
    let listed: Value = send(request(Method::GET, &target.base_url, &path))?.json().map_err(|e| e.to_string())?;
    ensure_eq(listed["items"][0]["body"].as_str(), Some("Nice!"), "anyone reads comments")
}
