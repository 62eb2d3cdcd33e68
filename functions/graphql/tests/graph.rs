//! GraphQL end to end through the native adapters, beside the REST functions that arrange the
//! data: the same rules as REST, errors with machine codes, the abuse limits, and a constant
//! number of SQL statements per order page whatever its size.

use serde_json::{Value, json};
use testkit::Shop;
use web::Router;

async fn shop() -> Shop {
    let router = Router::new()
        .merge(graphql::router())
        .merge(orders::router())
        .merge(products::router())
        .merge(customers::router())
        .merge(articles::router());
    Shop::open(router, 500).await
}

/// Calls the tests make on the shop.
trait Calls {
    /// POSTs a query; returns status and the GraphQL response.
    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value);
    /// POSTs a query as Alice, accepting `application/graphql-response+json`.
    async fn strict(&self, query: &str) -> testkit::Answer;
    /// Places an order of the widget; its id.
    async fn place(&self, token: &str, quantity: i64) -> String;
}

impl Calls for Shop {
    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        self.h.json("POST", "/graphql", token, json!({"query": query, "variables": variables})).await
    }

    async fn strict(&self, query: &str) -> testkit::Answer {
        let accept = [("accept", "application/graphql-response+json")];
        self.h.send("POST", "/graphql", Some(&self.alice), &accept, Some(&json!({ "query": query }))).await
    }

    async fn place(&self, token: &str, quantity: i64) -> String {
        let (_, answer) = self
            .graphql(
                Some(token),
                "mutation($p: ID!, $q: Int!) { createOrder(input: {items: [{productId: $p, quantity: $q}]}) { id } }",
                json!({"p": self.widget, "q": quantity}),
            )
            .await;
        answer["data"]["createOrder"]["id"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned()
    }
}

fn error_code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {answer}"))
}

#[tokio::test]
async fn orders_read_with_their_lines_products_and_rest_rules() {
    let s = shop().await;
    let id = s.place(&s.alice, 2).await;
    let query = "query($id: ID!) { order(id: $id) { id status total { amount currency } createdAt
        items { line quantity unitPrice { amount } product { sku price { amount } } } } }";
    let (status, answer) = s.graphql(Some(&s.alice), query, json!({"id": id})).await;
    assert_eq!(status, 200, "{answer}");
    let order = &answer["data"]["order"];
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["total"], json!({"amount": "39.98", "currency": "EUR"}), "v2 decimal strings");
    assert_eq!(order["items"][0]["product"]["sku"], "W");
    assert!(order["createdAt"].as_str().unwrap().ends_with('Z'), "RFC 3339");

    let (_, hidden) = s.graphql(Some(&s.bob), query, json!({"id": id})).await;
    assert_eq!(hidden["data"]["order"], Value::Null, "another user's order is null");
    assert_eq!(error_code(&hidden), "not_found");
    assert!(!hidden.to_string().contains("39.98"), "and leaks nothing");

    let (_, anonymous) = s.graphql(None, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&anonymous), "unauthenticated");
    let (_, me) = s.graphql(Some(&s.staff), "{ me { roles } }", json!({})).await;
    assert_eq!(me["data"]["me"]["roles"], json!(["customer", "staff"]));
}

#[tokio::test]
async fn customers_are_visible_to_their_owner_and_to_staff_only() {
    let s = shop().await;
    let id = s.place(&s.alice, 1).await;
    let (_, own) = s.graphql(Some(&s.alice), "{ customer { id name email createdAt } }", json!({})).await;
    let customer = own["data"]["customer"].clone();
    assert_eq!(
        (customer["name"].as_str(), customer["email"].as_str()),
        (Some("Alice"), Some("alice@example.com")),
        "{own}"
    );
    let by_id = "query($id: ID) { customer(id: $id) { name } }";
    let (_, hidden) = s.graphql(Some(&s.bob), by_id, json!({"id": customer["id"]})).await;
    assert_eq!((hidden["data"]["customer"].clone(), error_code(&hidden)), (Value::Null, "not_found"), "{hidden}");
    let (_, staff) = s.graphql(Some(&s.staff), by_id, json!({"id": customer["id"]})).await;
    assert_eq!(staff["data"]["customer"]["name"], "Alice", "customers:all sees every profile: {staff}");
    let (_, anonymous) = s.graphql(None, "{ customer { id } }", json!({})).await;
    assert_eq!(error_code(&anonymous), "unauthenticated");

    let order = "query($id: ID!) { order(id: $id) { id customer { id name } } }";
    let (_, through_order) = s.graphql(Some(&s.staff), order, json!({"id": id})).await;
    assert_eq!(through_order["data"]["order"]["customer"]["id"], customer["id"], "{through_order}");
    let (status, key) =
        s.h.json("POST", "/v1/api-keys", Some(&s.alice), json!({"name": "orders only", "scopes": ["orders:read"]}))
            .await;
    assert_eq!(status, 201, "{key}");
    let key = key["api_key"].as_str().unwrap().to_owned();
    let body = json!({"query": order, "variables": {"id": id}});
    let (_, scoped, _) = s.h.send("POST", "/graphql", None, &[("x-api-key", &key)], Some(&body)).await;
    assert_eq!(scoped["data"]["order"]["id"], id.as_str(), "the key reads the order: {scoped}");
    assert_eq!(scoped["data"]["order"]["customer"], Value::Null, "but not the profile: {scoped}");
    assert_eq!(error_code(&scoped), "forbidden", "{scoped}");
    assert_eq!(scoped["errors"][0]["path"], json!(["order", "customer"]), "the error names the field: {scoped}");
}

/// Writes an article through REST as `token`, published or not; its id.
async fn article(s: &Shop, token: &str, title: &str, publish: bool) -> String {
    let draft = json!({"title": title, "summary": "", "body": format!("All about {title}."), "tags": ["graph"]});
    let (status, created) = s.h.json("POST", "/v2/articles", Some(token), draft).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    if publish {
        let (status, published, _) =
            s.h.send("POST", &format!("/v2/articles/{id}/publish"), Some(token), &[], None).await;
        assert_eq!(status, 200, "{published}");
    }
    id
}

#[tokio::test]
async fn articles_and_comments_with_the_publishing_rules_one_statement_per_page() {
    let s = shop().await;
    let first = article(&s, &s.alice, "Graphs", true).await;
    let second = article(&s, &s.alice, "Edges", true).await;
    let draft = article(&s, &s.alice, "Unfinished", false).await;
    let comment = "mutation($a: ID!, $b: String!) { addComment(articleId: $a, body: $b) { id authorId body } }";
    for (on, body) in [(&first, "One"), (&first, "Two"), (&second, "Three")] {
        let (_, added) = s.graphql(Some(&s.bob), comment, json!({"a": on, "b": body})).await;
        assert_eq!(added["data"]["addComment"]["body"], body, "{added}");
    }
    let (_, closed) = s.graphql(Some(&s.bob), comment, json!({"a": draft, "b": "Early"})).await;
    assert_eq!(error_code(&closed), "not_found", "another's draft does not exist for bob: {closed}");
    let (_, own_draft) = s.graphql(Some(&s.alice), comment, json!({"a": draft, "b": "Note"})).await;
    assert_eq!(error_code(&own_draft), "article_not_published", "{own_draft}");
    let (_, anonymous) = s.graphql(None, comment, json!({"a": first, "b": "Hi"})).await;
    assert_eq!(error_code(&anonymous), "unauthenticated");

    let page = "{ articles(first: 10, tag: \"graph\") { edges { cursor node { title status
        comments(first: 1) { edges { node { body } } pageInfo { hasNextPage } } } } } }";
    let before = s.h.platform.sql.statements_run();
    let (status, listed) = s.graphql(None, page, json!({})).await;
    let statements = s.h.platform.sql.statements_run() - before;
    assert_eq!(status, 200, "{listed}");
    let edges = listed["data"]["articles"]["edges"].as_array().unwrap();
    let mut titles: Vec<&str> = edges.iter().map(|e| e["node"]["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    assert_eq!(titles, ["Edges", "Graphs"], "published only (the test clock stands still): {listed}");
    let node = |title: &str| edges.iter().map(|e| &e["node"]).find(|n| n["title"] == title).unwrap();
    let comments = &node("Graphs")["comments"];
    assert_eq!(comments["edges"].as_array().map(Vec::len), Some(1), "first: 1 of two comments");
    assert!(["One", "Two"].contains(&comments["edges"][0]["node"]["body"].as_str().unwrap()), "{comments}");
    assert_eq!(comments["pageInfo"]["hasNextPage"], true);
    assert_eq!(node("Edges")["comments"]["pageInfo"]["hasNextPage"], false);
    assert!(edges.iter().all(|e| !e["cursor"].as_str().unwrap().is_empty()), "every edge has a cursor");
    assert_eq!(statements, 2, "the articles and all their first comments: {statements}");

    let after = "query($c: String) { articles(first: 1, after: $c, tag: \"graph\") { edges { node { title } } } }";
    let (_, next) = s.graphql(None, after, json!({"c": edges[0]["cursor"]})).await;
    assert_eq!(next["data"]["articles"]["edges"][0]["node"]["title"], edges[1]["node"]["title"], "{next}");

    let one = "query($id: ID) { article(id: $id) { title status comments { edges { node { body } } } } }";
    let (_, hidden) = s.graphql(Some(&s.bob), one, json!({"id": draft})).await;
    assert_eq!((hidden["data"]["article"].clone(), error_code(&hidden)), (Value::Null, "not_found"), "{hidden}");
    let (_, mine) = s.graphql(Some(&s.alice), one, json!({"id": draft})).await;
    assert_eq!(mine["data"]["article"]["status"], "DRAFT", "{mine}");
    let (_, public) =
        s.graphql(None, "{ article(slug: \"graphs\") { id comments { edges { node { body } } } } }", json!({})).await;
    assert_eq!(public["data"]["article"]["id"], first.as_str(), "{public}");
    assert_eq!(public["data"]["article"]["comments"]["edges"].as_array().map(Vec::len), Some(2));
    let (_, drafts) = s.graphql(None, "{ articles(status: DRAFT) { edges { cursor } } }", json!({})).await;
    assert_eq!(error_code(&drafts), "invalid_query", "{drafts}");
    let (_, search) =
        s.graphql(None, "{ articles(search: \"edges\") { edges { node { title snippetHtml } } } }", json!({})).await;
    assert_eq!(search["data"]["articles"]["edges"][0]["node"]["title"], "Edges", "{search}");
}

#[tokio::test]
async fn mutations_keep_the_rest_rules_and_idempotency() {
    let s = shop().await;
    let create = "mutation($p: ID!, $k: String) { createOrder(input: {items: [{productId: $p, quantity: 1}]}, idempotencyKey: $k) { id } }";
    let vars = json!({"p": s.widget, "k": "graph-key-1"});
    let (_, first) = s.graphql(Some(&s.alice), create, vars.clone()).await;
    let (_, again) = s.graphql(Some(&s.alice), create, vars).await;
    let id = first["data"]["createOrder"]["id"].as_str().unwrap().to_owned();
    assert_eq!(again["data"]["createOrder"]["id"], id.as_str(), "a repeated key answers with the first order");

    let set = "mutation($id: ID!, $s: OrderStatus!) { setOrderStatus(id: $id, status: $s) { status } }";
    let (_, refused) = s.graphql(Some(&s.alice), set, json!({"id": id, "s": "SHIPPED"})).await;
    assert_eq!(error_code(&refused), "forbidden", "owners may only cancel");
    let (_, moved) = s.graphql(Some(&s.staff), set, json!({"id": id, "s": "PROCESSING"})).await;
    assert_eq!(moved["data"]["setOrderStatus"]["status"], "PROCESSING");
    let (_, invalid) = s.graphql(Some(&s.staff), set, json!({"id": id, "s": "PENDING"})).await;
    assert_eq!(error_code(&invalid), "invalid_transition");
    let (_, cancelled) =
        s.graphql(Some(&s.alice), "mutation($id: ID!) { cancelOrder(id: $id) { status } }", json!({"id": id})).await;
    assert_eq!(cancelled["data"]["cancelOrder"]["status"], "CANCELLED");

    let (_, greedy) = s
        .graphql(
            Some(&s.alice),
            "mutation($p: ID!) { createOrder(input: {items: [{productId: $p, quantity: 0}]}) { id } }",
            json!({"p": s.widget}),
        )
        .await;
    assert_eq!(error_code(&greedy), "invalid_order");
}

#[tokio::test]
async fn an_order_page_costs_the_same_statements_for_5_and_for_50_orders() {
    let s = shop().await;
    let query = "query($n: Int!) { orders(first: $n) { edges { cursor node { id total { amount } customer { name }
        items { quantity product { sku name price { amount } } } } } pageInfo { hasNextPage endCursor } } }";
    let mut counts = Vec::new();
    let mut placed = 0;
    for size in [5, 50] {
        while placed < size {
            s.place(&s.alice, 1).await;
            placed += 1;
        }
        let before = s.h.platform.sql.statements_run();
        let (status, answer) = s.graphql(Some(&s.alice), query, json!({"n": size})).await;
        let after = s.h.platform.sql.statements_run();
        assert_eq!(status, 200, "{answer}");
        let edges = answer["data"]["orders"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), size as usize);
        assert!(edges.iter().all(|e| e["node"]["items"][0]["product"]["sku"] == "W"));
        assert!(edges.iter().all(|e| e["node"]["customer"]["name"] == "Alice"), "{answer}");
        counts.push(after - before);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 and for 50 orders: {counts:?}");
    // The credential check (session revocation and roles) is what `{ me }` costs; the page's
    // own reads are the orders, their lines, the lines' products and the orders' customers.
    let before = s.h.platform.sql.statements_run();
    s.graphql(Some(&s.alice), "{ me { id } }", json!({})).await;
    let credential = s.h.platform.sql.statements_run() - before;
    assert!(counts[0] - credential <= 4, "{credential} for the credential, {counts:?} in all");
    eprintln!("statements for an order page of 5 and of 50: {counts:?} ({credential} for the credential check)");

    let (_, page) = s
        .graphql(
            Some(&s.alice),
            "{ orders(first: 30) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = page["data"]["orders"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    assert_eq!(page["data"]["orders"]["pageInfo"]["hasNextPage"], true);
    let (_, rest) = s
        .graphql(
            Some(&s.alice),
            "query($c: String) { orders(first: 30, after: $c) { edges { node { id } } pageInfo { hasNextPage } } }",
            json!({"c": cursor}),
        )
        .await;
    assert_eq!(rest["data"]["orders"]["edges"].as_array().unwrap().len(), 20);
    assert_eq!(rest["data"]["orders"]["pageInfo"]["hasNextPage"], false);
    let (_, bobs) = s.graphql(Some(&s.bob), "{ orders { edges { node { id } } } }", json!({})).await;
    assert_eq!(bobs["data"]["orders"]["edges"], json!([]), "only one's own orders");
}

#[tokio::test]
async fn abusive_queries_are_refused_before_they_run() {
    let s = shop().await;
    let nested = "{ me { id } orders { edges { node { items { product { price { amount } } } } } } }";
    let (status, answer, response) = s.strict(nested).await;
    assert_eq!(status, 200, "depth 7 and a modest complexity are allowed: {answer}");
    assert_eq!(response.headers()["content-type"], "application/graphql-response+json");

    let heavy = "{ orders(first: 100) { edges { cursor node { id status createdAt total { amount currency }
        items { quantity product { sku name description price { amount currency } } } } } } }";
    let (status, answer, _) = s.strict(heavy).await;
    assert_eq!((status, error_code(&answer)), (400, "query_too_complex"), "{answer}");
    assert_eq!(answer["data"], Value::Null, "nothing ran");

    // Depth (10 by default) is configurable: the query above, depth 7, over a limit of 5.
    s.h.platform.config.set_var("graphql_max_depth", "5");
    let (status, answer, _) = s.strict(nested).await;
    assert_eq!((status, error_code(&answer)), (400, "query_too_deep"), "{answer}");

    let (status, problem, _) = s.strict(&format!("{{ me {{ id }} }} # {}", "x".repeat(20_000))).await;
    assert_eq!((status, problem["code"].as_str()), (413, Some("query_too_large")));

    let batch = json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" }]);
    let (status, problem, _) = s.h.send("POST", "/graphql", Some(&s.alice), &[], Some(&batch)).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("batching_disabled")));

    let (status, answer, _) = s.strict("{ nope }").await;
    assert_eq!((status, error_code(&answer)), (400, "invalid_query"));
    let (status, answer) = s.graphql(Some(&s.alice), "{ nope }", json!({})).await;
    assert_eq!((status, error_code(&answer)), (200, "invalid_query"), "plain JSON answers 200");
}

#[tokio::test]
async fn get_serves_queries_only_and_introspection_can_be_switched_off() {
    let s = shop().await;
    let (status, answer, _) =
        s.h.send(
            "GET",
            "/graphql?query=%7B%20products%20%7B%20edges%20%7B%20node%20%7B%20sku%20%7D%20%7D%20%7D%20%7D",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["products"]["edges"][0]["node"]["sku"], "W");
    let (status, _, response) =
        s.h.send(
            "GET",
            "/graphql?query=mutation%20%7B%20cancelOrder(id%3A%22x%22)%20%7B%20id%20%7D%20%7D",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, 405);
    assert_eq!(response.headers()["allow"], "POST");

    let (_, open) = s.graphql(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "Query");
    s.h.platform.config.set_var("graphql_introspection", "false");
    let (status, closed) = s.graphql(None, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!((status, error_code(&closed)), (200, "introspection_disabled"), "introspection off: {closed}");
    assert_eq!(closed["data"], Value::Null, "nothing executed: {closed}");
    let (_, types) =
        s.graphql(None, "{ ...T } fragment T on Query { __type(name: \"Order\") { name } }", json!({})).await;
    assert_eq!(error_code(&types), "introspection_disabled", "{types}");
    let (_, typename) = s.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(typename["data"]["__typename"], "Query", "__typename is not introspection: {typename}");
}

fn sha256_hex(text: &str) -> String {
    identity::crypto::sha256_hex(text.as_bytes())
}

#[tokio::test]
async fn automatic_persisted_queries_register_once_and_run_by_hash() {
    let s = shop().await;
    let query = "{ products(first: 5) { edges { node { sku } } } }";
    let hash = sha256_hex(query);
    let by_hash = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
    let (_, unknown) = s.h.json("POST", "/graphql", None, by_hash.clone()).await;
    assert_eq!(error_code(&unknown), "PERSISTED_QUERY_NOT_FOUND", "the client then sends the text");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");

    let mut with_text = by_hash.clone();
    with_text["query"] = json!(query);
    let (_, first) = s.h.json("POST", "/graphql", None, with_text).await;
    assert_eq!(first["data"]["products"]["edges"][0]["node"]["sku"], "W");
    let (_, again) = s.h.json("POST", "/graphql", None, by_hash.clone()).await;
    assert_eq!(again, first, "known by its hash now");

    let extensions = by_hash["extensions"].to_string();
    let uri = format!("/graphql?extensions={}", percent(&extensions));
    let (status, over_get, _) = s.h.send("GET", &uri, None, &[], None).await;
    assert_eq!((status, &over_get), (200, &first), "and over GET, cacheable by URL");

    let lying = json!({"query": "{ me { id } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
    let (_, mismatch) = s.h.json("POST", "/graphql", None, lying).await;
    assert_eq!(error_code(&mismatch), "persisted_query_mismatch");
}

#[tokio::test]
async fn allow_list_mode_runs_only_listed_queries() {
    let s = shop().await;
    let listed = "{ products { edges { node { sku } } } }";
    s.h.platform.config.set_var("graphql_persisted_queries", "allowlist");
    s.h.platform.config.set_var("graphql_allowed_queries", &sha256_hex(listed));
    let (_, ok) = s.graphql(None, listed, json!({})).await;
    assert_eq!(ok["data"]["products"]["edges"][0]["node"]["sku"], "W");
    let (_, refused) = s.graphql(None, "{ products { edges { node { sku name } } } }", json!({})).await;
    assert_eq!(error_code(&refused), "persisted_query_not_allowed");
    assert_eq!(refused["data"], Value::Null);
}

#[tokio::test]
async fn aliases_and_root_fields_are_capped() {
    let s = shop().await;
    s.h.platform.config.set_var("graphql_max_aliases", "2");
    s.h.platform.config.set_var("graphql_max_root_fields", "3");
    let (status, ok, _) = s.strict("{ a: me { id } b: me { id } }").await;
    assert_eq!(status, 200, "{ok}");
    let (status, answer, _) = s.strict("{ a: me { id } b: me { id } c: me { id } }").await;
    assert_eq!((status, error_code(&answer)), (400, "too_many_aliases"));
    let (status, answer, _) = s.strict("{ me { id } products { edges { cursor } } orders { edges { cursor } } ...F } fragment F on Query { me { roles } }").await;
    assert_eq!((status, error_code(&answer)), (400, "too_many_root_fields"));
}

/// Percent-encodes a query-string value.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn a_federation_subgraph_with_product_order_and_user_entities() {
    let s = shop().await;
    let (_, service) = s.graphql(None, "{ _service { sdl } }", json!({})).await;
    let sdl = service["data"]["_service"]["sdl"].as_str().unwrap_or_else(|| panic!("{service}"));
    for key in
        ["type Product @key(fields: \"id\")", "type Order @key(fields: \"id\")", "type User @key(fields: \"id\")"]
    {
        assert!(sdl.contains(key), "{key} in {sdl}");
    }
    assert!(
        sdl.contains("extend schema @link(") && sdl.contains("https://specs.apollo.dev/federation/v2"),
        "federation v2: {sdl}"
    );

    let id = s.place(&s.alice, 1).await;
    let query =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku } ... on Order { status } } }";
    let representations = json!([{"__typename": "Product", "id": s.widget}, {"__typename": "Order", "id": id}]);
    let (_, own) = s.graphql(Some(&s.alice), query, json!({"r": representations})).await;
    assert_eq!(own["data"]["_entities"], json!([{"sku": "W"}, {"status": "PENDING"}]), "{own}");
    let (_, other) = s.graphql(Some(&s.bob), query, json!({"r": representations})).await;
    assert_eq!(other["data"]["_entities"][1], Value::Null, "another user's order is null: {other}");
    assert_eq!(error_code(&other), "not_found");
}
