//! The OpenAPI document: current, complete, consistent.

use std::collections::BTreeSet;

use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(&openapi::json()).expect("valid JSON")
}

/// Routes that serve the documentation itself.
const DOCS_ROUTES: &[&str] = &["/openapi.json", "/docs", "/docs/{file}", "/redoc", "/redoc/{file}"];

#[test]
fn the_committed_document_is_what_the_code_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == openapi::json(),
        "docs/openapi.json is out of date: run `cargo run -p openapi > docs/openapi.json` and commit it"
    );
}

#[test]
fn every_route_is_documented_and_every_operation_is_routed() {
    let doc = document();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().map(move |method| (path.clone(), method.to_ascii_uppercase()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = cloudflare_worker::router()
        .routes()
        .filter(|(template, _)| !DOCS_ROUTES.contains(template))
        // RPC methods are documented by their protos (`proto/`, checked in `rpc`'s tests).
        .filter(|(template, _)| !rpc::router().templates().any(|rpc| rpc == *template))
        // GraphQL is documented by its schema (introspection, `graphql::sdl`).
        .filter(|(template, _)| !graphql::router().templates().any(|graph| graph == *template))
        .flat_map(|(template, methods)| methods.into_iter().map(move |m| (template.to_owned(), m.as_str().to_owned())))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routes without documentation: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented operations without a route: {unrouted:?}");
}

#[test]
fn v1_twins_are_deprecated_errors_are_problems_and_ids_are_unique() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let has_twin =
                path.strip_prefix("/v1/").is_some_and(|rest| doc["paths"].get(format!("/v2/{rest}")).is_some());
            assert_eq!(operation["deprecated"].as_bool().unwrap_or(false), has_twin, "{method} {path} deprecated");
            assert!(
                ids.insert(operation["operationId"].as_str().unwrap().to_owned()),
                "duplicate operationId at {method} {path}"
            );
            assert_eq!(
                operation["responses"]["500"]["$ref"], "#/components/responses/InternalError",
                "{method} {path}"
            );
            assert!(
                operation["description"].as_str().is_some_and(|d| d.len() > 10) || operation["summary"].is_string(),
                "{method} {path} is described"
            );
        }
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["oauth2"]["flows"]["password"]["tokenUrl"], "/v1/auth/token");
    assert!(schemes.contains_key("bearer") && schemes.contains_key("api_key"));
}

#[test]
fn every_reference_resolves() {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    out.push(reference.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let responses = doc["components"]["responses"].as_object().unwrap();
    for reference in all {
        let resolved = match (
            reference.strip_prefix("#/components/schemas/"),
            reference.strip_prefix("#/components/responses/"),
        ) {
            (Some(name), _) => schemas.contains_key(name),
            (_, Some(name)) => responses.contains_key(name),
            _ => false,
        };
        assert!(resolved, "dangling $ref {reference}");
    }
    assert_eq!(
        responses["NotFound"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}
