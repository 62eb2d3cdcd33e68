//! The publishing API through the native adapters: drafts, publication, RBAC, search, slugs,
//! caching, comments, audit.

use serde_json::{Value, json};
use testkit::{Harness, code};
use web::ports::Sql;
use web::ports::sql::Statement;

async fn harness() -> (Harness, String, String, String) {
    let h = Harness::with_router(articles::router()).await;
    let alice = h.user("alice@example.com").await;
    let bob = h.user("bob@example.com").await;
    let (_, editor) = h.user_with_roles("eve@example.com", "customer editor").await;
    (h, alice, bob, editor)
}

fn draft(title: &str, body: &str, tags: &[&str]) -> Value {
    json!({"title": title, "summary": format!("About {title}"), "body": body, "tags": tags})
}

async fn create(h: &Harness, token: &str, article: Value) -> Value {
    let (status, created, _) = h.send("POST", "/v2/articles", Some(token), &[], Some(&article)).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn publish(h: &Harness, token: &str, id: &str) -> (u16, Value) {
    let (status, body, _) = h.send("POST", &format!("/v2/articles/{id}/publish"), Some(token), &[], None).await;
    (status, body)
}

async fn audit_actions(h: &Harness) -> Vec<String> {
    let rows = h.platform.sql.query(&Statement::new("SELECT action FROM audit_log ORDER BY id")).await.unwrap();
    rows.iter().map(|r| r.get::<String>("action").unwrap()).collect()
}

#[tokio::test]
async fn drafts_are_private_until_published_then_anyone_reads_them() {
    let (h, alice, bob, editor) = harness().await;
    let created =
        create(&h, &alice, draft("Rust at the Edge!", "# Hi\n\nWasm **everywhere**.", &["Rust", "web assembly"])).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["slug"], "rust-at-the-edge");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["tags"], json!(["rust", "web-assembly"]));
    assert!(created.get("published_at").is_none());

    // Other people's drafts do not exist; the author and editors see them.
    for (token, expected) in [(Some(&bob), 404), (None, 404), (Some(&alice), 200), (Some(&editor), 200)] {
        let headers: Vec<(&str, String)> = token.iter().map(|t| ("authorization", format!("Bearer {t}"))).collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, _, _) = h.call("GET", &format!("/v2/articles/{id}"), &headers, b"").await;
        assert_eq!(status, expected, "{token:?}");
    }
    let (status, body) = publish(&h, &bob, id).await;
    assert_eq!((status, code(&body)), (404, "not_found"), "bob cannot even see it");

    let (status, published) = publish(&h, &alice, id).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].as_str().unwrap().ends_with('Z'));
    let (status, anonymous, response) = h.call("GET", "/v2/articles/by-slug/rust-at-the-edge", &[], b"").await;
    assert_eq!(status, 200, "{anonymous}");
    assert_eq!(anonymous["id"], id);
    assert_eq!(response.headers()["cache-control"], "public, max-age=30, stale-while-revalidate=60");
    assert_eq!(response.headers()["etag"], "\"v2\"");
    let (status, _, _) =
        h.call("GET", "/v2/articles/by-slug/rust-at-the-edge", &[("if-none-match", "W/\"v2\"")], b"").await;
    assert_eq!(status, 304);
    // v1 shows Unix milliseconds.
    let (_, v1, _) = h.call("GET", &format!("/v1/articles/{id}"), &[], b"").await;
    assert!(v1["published_at"].is_i64());
    // The author's own changes are not audited.
    assert!(audit_actions(&h).await.is_empty());
}

#[tokio::test]
async fn the_slug_follows_the_title_until_publication_and_stays_unique() {
    let (h, alice, bob, _) = harness().await;
    let first = create(&h, &alice, draft("Same Title", "one", &[])).await;
    let second = create(&h, &bob, draft("Same title", "two", &[])).await;
    assert_eq!(first["slug"], "same-title");
    let taken = second["slug"].as_str().unwrap();
    assert!(taken.starts_with("same-title-") && taken.len() == "same-title-".len() + 6, "{taken}");

    let id = first["id"].as_str().unwrap();
    let (status, renamed, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&alice), &[], Some(&json!({"title": "New name"}))).await;
    assert_eq!((status, renamed["slug"].as_str()), (200, Some("new-name")), "{renamed}");
    publish(&h, &alice, id).await;
    let (_, after, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&alice), &[], Some(&json!({"title": "Newer name"}))).await;
    assert_eq!(after["slug"], "new-name", "stable once published");
    assert_eq!(after["title"], "Newer name");
}

#[tokio::test]
async fn editors_change_anyones_article_audited_and_then_the_author_cannot_unpublish() {
    let (h, alice, bob, editor) = harness().await;
    let id = create(&h, &alice, draft("Edited", "body", &[])).await["id"].as_str().unwrap().to_owned();
    let (status, body, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&bob), &[], Some(&json!({"body": "vandal"}))).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    publish(&h, &alice, &id).await;
    let (status, body, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&bob), &[], Some(&json!({"body": "vandal"}))).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "published: visible, still not bob's");

    let (status, _, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&editor), &[], Some(&json!({"body": "copy-edited"}))).await;
    assert_eq!(status, 200);
    let (status, body, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&alice), &[], Some(&json!({"status": "draft"}))).await;
    assert_eq!((status, code(&body)), (409, "edited_by_others"), "{body}");
    let (status, body, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&editor), &[], Some(&json!({"status": "draft"}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("draft")));
    // Publishing again clears it: the author may unpublish until someone else edits.
    publish(&h, &alice, &id).await;
    let (status, _, _) =
        h.send("PATCH", &format!("/v2/articles/{id}"), Some(&alice), &[], Some(&json!({"status": "draft"}))).await;
    assert_eq!(status, 200);
    assert_eq!(audit_actions(&h).await, ["article.update", "article.unpublish"]);

    // Archive is final; only admins delete.
    publish(&h, &alice, &id).await;
    let (status, archived, _) = h.send("POST", &format!("/v2/articles/{id}/archive"), Some(&alice), &[], None).await;
    assert_eq!((status, archived["status"].as_str()), (200, Some("archived")));
    let (status, body) = publish(&h, &editor, &id).await;
    assert_eq!((status, code(&body)), (409, "invalid_transition"));
    assert_eq!(body["allowed"], json!([]));
    let (status, body, _) = h.send("DELETE", &format!("/v2/articles/{id}"), Some(&editor), &[], None).await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (_, admin) = h.user_with_roles("root@example.com", "customer admin").await;
    let (status, _, _) =
        h.send("DELETE", &format!("/v2/articles/{id}"), Some(&admin), &[("if-match", "\"v1\"")], None).await;
    assert_eq!(status, 412, "If-Match applies");
    let (status, _, _) = h.send("DELETE", &format!("/v2/articles/{id}"), Some(&admin), &[], None).await;
    assert_eq!(status, 204);
    assert_eq!(audit_actions(&h).await.last().map(String::as_str), Some("article.delete"));
    let (status, _, _) =
        h.call("GET", &format!("/v2/articles/{id}"), &[("authorization", &format!("Bearer {admin}"))], b"").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn search_ranks_highlights_and_treats_operators_as_words() {
    let (h, alice, _, _) = harness().await;
    for (title, body, tags) in [
        ("Edge functions in Rust", "Rust compiles to <b>WebAssembly</b> & runs at the edge.", vec!["rust", "edge"]),
        ("Gardening", "Tomatoes need sun. Rust is a plant disease too.", vec!["garden"]),
        ("Draft about rust", "Not published yet: rust rust rust.", vec!["rust"]),
    ] {
        let created = create(&h, &alice, draft(title, body, &tags)).await;
        if title != "Draft about rust" {
            publish(&h, &alice, created["id"].as_str().unwrap()).await;
        }
    }
    let search = |query: &str| {
        let h = &h;
        let uri = format!("/v2/articles?q={query}");
        async move { h.call("GET", &uri, &[], b"").await }
    };
    let (status, found, _) = search("rust").await;
    assert_eq!(status, 200, "{found}");
    let titles: Vec<&str> = found["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Edge functions in Rust", "Gardening"], "title matches rank first; drafts never show");
    let snippet = found["items"][0]["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>Rust</mark>") && snippet.contains("&lt;b&gt;") && !snippet.contains("<b>"),
        "{snippet}"
    );
    assert!(found["items"][0].get("body").is_none(), "lists carry no bodies");

    // FTS operators, quotes and column filters are words, not syntax: no 500, no injection.
    for query in [
        "rust%20OR%20tomatoes",
        "%22rust",
        "title%3Arust",
        "rust*",
        "NEAR(rust%20edge)",
        "-rust",
        "%27%3B%20DROP%20TABLE%20articles",
    ] {
        let (status, body, _) = search(query).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    let (_, either, _) = search("rust%20OR%20tomatoes").await;
    assert!(either["items"].as_array().unwrap().is_empty(), "OR is a word here, and no article has it");
    let (_, both, _) = search("tomatoes%20rust").await;
    assert_eq!(both["items"].as_array().unwrap().len(), 1, "all words are required");
    let (status, body, _) = search("%22%22%20**").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));

    // Filters and sorts.
    let (_, tagged, _) = h.call("GET", "/v2/articles?tag=garden", &[], b"").await;
    assert_eq!(tagged["items"].as_array().unwrap().len(), 1);
    let (_, sorted, _) = h.call("GET", "/v2/articles?sort=title", &[], b"").await;
    assert_eq!(sorted["items"][0]["title"], "Edge functions in Rust");
    let (status, body, _) = h.call("GET", "/v2/articles?sort=body", &[], b"").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
    let (_, v1, _) = h.call("GET", "/v1/articles?q=rust&per_page=1", &[], b"").await;
    assert_eq!((v1["total"].as_i64(), v1["items"].as_array().unwrap().len()), (Some(2), 1));
}

#[tokio::test]
async fn lists_page_with_cursors_and_are_invalidated_by_writes() {
    let (h, alice, _, _) = harness().await;
    for n in 0..5 {
        let created = create(&h, &alice, draft(&format!("Post {n}"), "text", &[])).await;
        h.platform.clock.advance(1000);
        publish(&h, &alice, created["id"].as_str().unwrap()).await;
    }
    let (_, first, response) = h.call("GET", "/v2/articles?limit=2", &[], b"").await;
    assert_eq!(response.headers()["x-cache"], "miss");
    let titles = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(titles(&first), ["Post 4", "Post 3"], "newest publication first");
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second, _) = h.call("GET", &format!("/v2/articles?limit=2&cursor={cursor}"), &[], b"").await;
    assert_eq!(titles(&second), ["Post 2", "Post 1"]);
    let (_, again, response) = h.call("GET", "/v2/articles?limit=2", &[], b"").await;
    assert_eq!((response.headers()["x-cache"].to_str().unwrap(), titles(&again)), ("hit-memory", titles(&first)));
    // A new publication shows at once.
    let created = create(&h, &alice, draft("Post 5", "text", &[])).await;
    h.platform.clock.advance(1000);
    publish(&h, &alice, created["id"].as_str().unwrap()).await;
    let (_, fresh, _) = h.call("GET", "/v2/articles?limit=2", &[], b"").await;
    assert_eq!(titles(&fresh)[0], "Post 5");
    // Own drafts are listed for their author only.
    create(&h, &alice, draft("Unpublished", "text", &[])).await;
    let me = h.call("GET", "/v1/users/me", &[("authorization", &format!("Bearer {alice}"))], b"").await.1;
    let uri = format!("/v2/articles?status=draft&author={}", me["id"].as_str().unwrap());
    let (status, drafts, _) = h.call("GET", &uri, &[("authorization", &format!("Bearer {alice}"))], b"").await;
    assert_eq!((status, titles(&drafts)), (200, vec!["Unpublished".to_owned()]));
    let (status, body, _) = h.call("GET", &uri, &[], b"").await;
    assert_eq!((status, code(&body)), (400, "invalid_query"));
}

#[tokio::test]
async fn comments_on_published_articles_deleted_by_their_author_or_a_moderator() {
    let (h, alice, bob, editor) = harness().await;
    let id = create(&h, &alice, draft("Discuss", "text", &[])).await["id"].as_str().unwrap().to_owned();
    let comment = json!({"body": "First!"});
    let (status, body, _) =
        h.send("POST", &format!("/v2/articles/{id}/comments"), Some(&alice), &[], Some(&comment)).await;
    assert_eq!((status, code(&body)), (409, "article_not_published"));
    publish(&h, &alice, &id).await;
    let (status, first, _) =
        h.send("POST", &format!("/v2/articles/{id}/comments"), Some(&bob), &[], Some(&comment)).await;
    assert_eq!(status, 201, "{first}");
    let (status, _, _) = h.send("POST", &format!("/v2/articles/{id}/comments"), None, &[], Some(&comment)).await;
    assert_eq!(status, 401);
    for n in 0..3 {
        h.platform.clock.advance(10);
        h.send(
            "POST",
            &format!("/v2/articles/{id}/comments"),
            Some(&alice),
            &[],
            Some(&json!({"body": format!("reply {n}")})),
        )
        .await;
    }
    let (_, page, _) = h.call("GET", &format!("/v2/articles/{id}/comments?limit=2"), &[], b"").await;
    assert_eq!(page["items"][0]["body"], "First!");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest, _) = h.call("GET", &format!("/v2/articles/{id}/comments?limit=2&cursor={cursor}"), &[], b"").await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest.get("next_cursor").is_none());

    let comment_id = first["id"].as_str().unwrap();
    let path = format!("/v2/articles/{id}/comments/{comment_id}");
    let (status, body, _) = h.send("DELETE", &path, Some(&alice), &[], None).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "the article's author is no moderator");
    let (status, _, _) = h.send("DELETE", &path, Some(&editor), &[], None).await;
    assert_eq!(status, 204);
    assert_eq!(audit_actions(&h).await, ["comment.delete"]);
    let (status, _, _) = h.send("DELETE", &path, Some(&bob), &[], None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let (h, alice, _, _) = harness().await;
    for bad in [
        json!({"title": "", "body": "x"}),
        json!({"title": "T", "body": ""}),
        json!({"title": "T", "body": "x", "tags": ["c++"]}),
        json!({"title": "T", "body": "x", "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
        json!({"title": "T", "body": "x".repeat(100_001)}),
        json!({"title": "T", "body": "x", "author_id": "someone-else"}),
        json!({"title": "T", "body": "marker \u{2} inside"}),
    ] {
        let (status, body, _) = h.send("POST", "/v2/articles", Some(&alice), &[], Some(&bad)).await;
        assert_eq!(status, 422, "{body}");
    }
    let count = h.platform.sql.query(&Statement::new("SELECT COUNT(*) AS n FROM articles")).await.unwrap();
    assert_eq!(count[0].get::<i64>("n").unwrap(), 0);
    let (status, body, _) = h.send("POST", "/v2/articles", None, &[], Some(&draft("T", "x", &[]))).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
}
