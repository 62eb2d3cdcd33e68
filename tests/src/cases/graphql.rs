//! GraphQL over HTTP on the runtime: the REST rules through the graph, errors with machine
//! codes, and the HTTP semantics and abuse limits of `/graphql`.

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::{json_call, shopper_and_product, staff_token};

pub const CASES: &[Case] = &[
    ("graphql::the_graph_follows_the_rest_rules", the_graph_follows_the_rest_rules),
    ("graphql::http_semantics_and_abuse_limits", http_semantics_and_abuse_limits),
    ("graphql::persisted_queries_register_once_and_run_by_hash", persisted_queries_register_once_and_run_by_hash),
    ("graphql::a_federation_gateway_joins_a_second_subgraph", a_federation_gateway_joins_a_second_subgraph),
    ("graphql::a_real_client_reads_orders_customers_and_articles", a_real_client_reads_orders_customers_and_articles),
];

const STRICT: &str = "application/graphql-response+json";

/// POSTs a GraphQL request: (status, content type, body).
fn post(
    target: &Target,
    token: Option<&str>,
    accept: Option<&str>,
    body: &Value,
) -> Result<(u16, String, Value), String> {
    let mut builder = request(Method::POST, &target.base_url, "/graphql").json(body);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some(accept) = accept {
        builder = builder.header("accept", accept);
    }
    let response = send(builder)?;
    let status = response.status().as_u16();
    let content_type = header(&response, "content-type");
    Ok((status, content_type, response.json().map_err(|e| format!("GraphQL answer is not JSON: {e}"))?))
}

fn graph(target: &Target, token: Option<&str>, query: &str, variables: Value) -> Result<Value, String> {
    let (status, _, body) = post(target, token, None, &json!({"query": query, "variables": variables}))?;
    ensure_eq(status, 200, &format!("GraphQL status ({body})"))?;
    Ok(body)
}

fn code(answer: &Value) -> Option<&str> {
    answer["errors"][0]["extensions"]["code"].as_str()
}

fn the_graph_follows_the_rest_rules(target: &Target) -> Outcome {
    let (alice, product) = shopper_and_product(target, "graph-alice")?;
    let (bob, _) = shopper_and_product(target, "graph-bob")?;
    let staff = staff_token(target)?;
    let create = "mutation($p: ID!, $k: String) { createOrder(input: {items: [{productId: $p, quantity: 2}]}, idempotencyKey: $k) { id status total { amount currency } } }";
    let vars = json!({"p": product, "k": "graph-contract-1"});
    let first = graph(target, Some(&alice), create, vars.clone())?;
    let order = &first["data"]["createOrder"];
    let id = order["id"].as_str().ok_or_else(|| format!("no order in {first}"))?.to_owned();
    ensure_eq(order["status"].as_str(), Some("PENDING"), "new order status")?;
    ensure_eq(order["total"].clone(), json!({"amount": "10.00", "currency": "EUR"}), "v2 money")?;
    let again = graph(target, Some(&alice), create, vars)?;
    ensure_eq(again["data"]["createOrder"]["id"].as_str(), Some(id.as_str()), "the idempotency key replays")?;

    let read = "query($id: ID!) { order(id: $id) { id items { quantity product { id sku } } } }";
    let own = graph(target, Some(&alice), read, json!({"id": id}))?;
    ensure_eq(own["data"]["order"]["items"][0]["product"]["id"].as_str(), Some(product.as_str()), "line product")?;
    let hidden = graph(target, Some(&bob), read, json!({"id": id}))?;
    ensure_eq(hidden["data"]["order"].clone(), Value::Null, "another user's order is null")?;
    ensure_eq(code(&hidden), Some("not_found"), "with a not_found error")?;

    let set = "mutation($id: ID!, $s: OrderStatus!) { setOrderStatus(id: $id, status: $s) { status } }";
    let refused = graph(target, Some(&alice), set, json!({"id": id, "s": "SHIPPED"}))?;
    ensure_eq(code(&refused), Some("forbidden"), "owners may only cancel")?;
    let moved = graph(target, Some(&staff), set, json!({"id": id, "s": "PROCESSING"}))?;
    ensure_eq(moved["data"]["setOrderStatus"]["status"].as_str(), Some("PROCESSING"), "staff moved it")?;
    let cancelled =
        graph(target, Some(&alice), "mutation($id: ID!) { cancelOrder(id: $id) { status } }", json!({"id": id}))?;
    ensure_eq(cancelled["data"]["cancelOrder"]["status"].as_str(), Some("CANCELLED"), "the owner cancelled it")?;

    let mine = graph(
        target,
        Some(&alice),
        "{ orders(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }",
        json!({}),
    )?;
    let ids: Vec<&str> = mine["data"]["orders"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    ensure(ids == [id.as_str()], || format!("the caller's orders only: {mine}"))?;

    // Queries over GET (cacheable), products without a credential.
    let response = send(
        request(Method::GET, &target.base_url, "/graphql")
            .query(&[("query", "{ products(first: 100) { edges { node { id price { amount } } } } }")]),
    )?;
    ensure_eq(response.status().as_u16(), 200, "GET query")?;
    let listed: Value = response.json().map_err(|e| e.to_string())?;
    let found = listed["data"]["products"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["node"]["id"] == product.as_str());
    ensure(found, || format!("products lists the new product: {listed}"))
}

fn http_semantics_and_abuse_limits(target: &Target) -> Outcome {
    let (alice, _) = shopper_and_product(target, "graph-limits")?;
    let heavy = "{ orders(first: 100) { edges { cursor node { id status createdAt total { amount currency }
        items { quantity product { sku name description price { amount currency } } } } } } }";
    let (status, content_type, body) = post(target, Some(&alice), Some(STRICT), &json!({"query": heavy}))?;
    ensure_eq((status, content_type.as_str()), (400, STRICT), "a query over the complexity limit never runs")?;
    ensure_eq(code(&body), Some("query_too_complex"), "its code")?;
    ensure_eq(body["data"].clone(), Value::Null, "no data")?;

    let (status, _, body) = post(target, Some(&alice), Some(STRICT), &json!({"query": "{ nope }"}))?;
    ensure_eq(
        (status, code(&body)),
        (400, Some("invalid_query")),
        "validation errors are 400 with graphql-response+json",
    )?;
    let (status, _, body) = post(target, Some(&alice), None, &json!({"query": "{ nope }"}))?;
    ensure_eq((status, code(&body)), (200, Some("invalid_query")), "and 200 with plain JSON")?;
    let (_, _, body) = post(target, None, None, &json!({"query": "{ me { id } }"}))?;
    ensure_eq(code(&body), Some("unauthenticated"), "me needs a credential")?;

    let batch = json!([{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]);
    let response = send(request(Method::POST, &target.base_url, "/graphql").bearer_auth(&alice).json(&batch))?;
    expect_problem(response, 400, "batching_disabled")?;
    let response = send(
        request(Method::GET, &target.base_url, "/graphql")
            .query(&[("query", "mutation { cancelOrder(id: \"x\") { id } }")]),
    )?;
    ensure_eq(header(&response, "allow").as_str(), "POST", "mutations only over POST")?;
    expect_problem(response, 405, "method_not_allowed")?;
    // A browser gets GraphiQL, with its assets from this origin.
    let page = send(request(Method::GET, &target.base_url, "/graphql").header("accept", "text/html"))?;
    ensure_eq(page.status().as_u16(), 200, "GraphiQL page")?;
    ensure(header(&page, "content-type").starts_with("text/html"), || "GraphiQL is HTML".into())?;
    let html = page.text().map_err(|e| e.to_string())?;
    ensure(html.contains("/graphiql/graphiql-init.js"), || format!("the GraphiQL page: {html}"))?;
    for asset in ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "graphiql-init.js"] {
        let response = send(request(Method::GET, &target.base_url, &format!("/graphiql/{asset}")))?;
        ensure_eq(response.status().as_u16(), 200, asset)?;
    }
    let long = format!("{{ me {{ id }} }} # {}", "x".repeat(20_000));
    let response =
        send(request(Method::POST, &target.base_url, "/graphql").bearer_auth(&alice).json(&json!({"query": long})))?;
    expect_problem(response, 413, "query_too_large").map(|_| ())
}

fn persisted_queries_register_once_and_run_by_hash(target: &Target) -> Outcome {
    // A query text unique to this run, so its hash is unknown until this case registers it.
    let tag = crate::fixtures::email("graph-apq");
    let query = format!("query Apq{} {{ __typename }}", tag.replace(['@', '.', '-'], "_"));
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(query.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let by_hash =
        || send(request(Method::GET, &target.base_url, "/graphql").query(&[("extensions", extensions.to_string())]));
    let unknown: Value = by_hash()?.json().map_err(|e| e.to_string())?;
    ensure_eq(code(&unknown), Some("PERSISTED_QUERY_NOT_FOUND"), "an unknown hash")?;
    let (status, _, registered) = post(target, None, None, &json!({"query": query, "extensions": extensions}))?;
    ensure(status == 200 && registered["data"]["__typename"] == "Query", || {
        format!("registering: {status} {registered}")
    })?;
    let known: Value = by_hash()?.json().map_err(|e| e.to_string())?;
    ensure_eq(known, registered, "the hash alone runs the registered query")
}

fn a_federation_gateway_joins_a_second_subgraph(target: &Target) -> Outcome {
    shopper_and_product(target, "graph-federation")?;
    let url = format!("{}/graphql", target.base_url);
    let client = crate::node::spawn("tests/graphql/federation.mjs", &[&url])?;
    let line = client.next(std::time::Duration::from_secs(60), "the gateway's answer")?;
    ensure(line.get("compositionErrors").is_none(), || format!("composition failed: {line}"))?;
    let edges = line["answer"]["data"]["products"]["edges"].as_array().cloned().unwrap_or_default();
    ensure(!edges.is_empty(), || format!("products through the gateway: {line}"))?;
    for edge in &edges {
        let node = &edge["node"];
        let id = node["id"].as_str().unwrap_or_default();
        ensure(node["sku"].is_string(), || format!("sku from our subgraph: {node}"))?;
        ensure_eq(&node["rating"], &line["expectedRating"][id], "rating from the stand-in subgraph")?;
    }
    Ok(())
}

/// One request through `graphql-request` (`tests/graphql/client.mjs`): its answer line.
fn through_client(
    client: &mut crate::node::Lines,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    client.send(&json!({"query": query, "variables": variables, "token": token.unwrap_or_default()}))?;
    let answer = client.next(std::time::Duration::from_secs(30), "graphql-request's answer")?;
    ensure(answer.get("failure").is_none(), || format!("graphql-request failed: {answer}"))?;
    Ok(answer)
}

fn a_real_client_reads_orders_customers_and_articles(target: &Target) -> Outcome {
    let (alice, product) = shopper_and_product(target, "graph-client")?;
    let (bob, _) = shopper_and_product(target, "graph-client-bob")?;
    let mut client = crate::node::spawn("tests/graphql/client.mjs", &[&format!("{}/graphql", target.base_url)])?;
    let create = "mutation($p: ID!) { createOrder(input: {items: [{productId: $p, quantity: 1}]}) { id } }";
    let created = through_client(&mut client, Some(&alice), create, json!({"p": product}))?;
    let id = created["data"]["createOrder"]["id"].as_str().ok_or_else(|| format!("no order: {created}"))?.to_owned();

    let page =
        "{ orders(first: 5) { edges { node { id customer { name } items { product { id } } } } } customer { email } }";
    let read = through_client(&mut client, Some(&alice), page, json!({}))?;
    let node = &read["data"]["orders"]["edges"][0]["node"];
    ensure_eq(node["id"].as_str(), Some(id.as_str()), &format!("the new order first ({read})"))?;
    ensure_eq(node["customer"]["name"].as_str(), Some("graph-client"), "the order's customer")?;
    ensure_eq(node["items"][0]["product"]["id"].as_str(), Some(product.as_str()), "the line's product")?;
    ensure(read["data"]["customer"]["email"].as_str().is_some_and(|e| e.contains("graph-client")), || {
        format!("the caller's own profile: {read}")
    })?;
    let hidden =
        through_client(&mut client, Some(&bob), "query($id: ID!) { order(id: $id) { id } }", json!({"id": id}))?;
    ensure_eq(hidden["data"]["order"].clone(), Value::Null, "another user's order")?;
    ensure_eq(hidden["errors"][0]["extensions"]["code"].as_str(), Some("not_found"), "with not_found")?;

    let draft = json!({"title": "Graph client notes", "summary": "", "body": "Read through GraphQL.", "tags": ["graph-client"]});
    let (status, article) = json_call(target, Method::POST, "/v2/articles", &alice, &draft)?;
    ensure_eq(status, 201, &format!("create article ({article})"))?;
    let article = article["id"].as_str().unwrap_or_default().to_owned();
    let (status, published) =
        json_call(target, Method::POST, &format!("/v2/articles/{article}/publish"), &alice, &json!({}))?;
    ensure_eq(status, 200, &format!("publish ({published})"))?;
    let comment = "mutation($a: ID!) { addComment(articleId: $a, body: \"Nice graph.\") { id } }";
    let added = through_client(&mut client, Some(&bob), comment, json!({"a": article}))?;
    ensure(added["data"]["addComment"]["id"].is_string(), || format!("comment added: {added}"))?;
    let articles = "{ articles(tag: \"graph-client\") { edges { node { id title comments(first: 5) { edges { node { body } } } } } } }";
    let listed = through_client(&mut client, None, articles, json!({}))?;
    let node = &listed["data"]["articles"]["edges"][0]["node"];
    ensure_eq(node["id"].as_str(), Some(article.as_str()), &format!("the published article ({listed})"))?;
    ensure_eq(node["comments"]["edges"][0]["node"]["body"].as_str(), Some("Nice graph."), "with its comment")?;
    Ok(())
}
