//! `spin.toml` against the code, before any Spin runs: every function is a component built
//! from its own crate, Spin's route matcher sends each of its routes to it (and every other
//! path to the fallback), it is granted the database and store the adapter opens, and every
//! variable it names exists (and matches `wrangler.toml`).

use std::collections::BTreeSet;

use toml::{Table, Value};
use web::Router;

const SPIN_TOML: &str = include_str!("../../../spin.toml");
const WRANGLER_TOML: &str = include_str!("../../../wrangler.toml");

/// Every function crate and its routes.
fn functions() -> Vec<(&'static str, Router)> {
    vec![
        ("articles", articles::router()),
        ("audit", audit::router()),
        ("auth", auth::router()),
        ("customers", customers::router()),
        ("docs", docs::router()),
        ("events", events::router()),
        ("fallback", fallback::router()),
        ("graphql", graphql::router()),
        ("health", health::router()),
        ("orders", orders::router()),
        ("products", products::router()),
        ("rpc", rpc::router()),
        ("webhooks", webhooks::router()),
    ]
}

fn manifest() -> Table {
    SPIN_TOML.parse().expect("spin.toml is TOML")
}

fn table<'a>(value: &'a Value, what: &str) -> &'a Table {
    value.as_table().unwrap_or_else(|| panic!("{what} is a table"))
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// `(route, component)` of every public HTTP trigger.
fn triggers(manifest: &Table) -> Vec<(String, String)> {
    http_triggers(manifest).filter_map(|t| Some((t["route"].as_str()?.to_owned(), component_of(t)))).collect()
}

/// The components behind private triggers (`route = { private = true }`: reached through
/// local service chaining only).
fn private_components(manifest: &Table) -> Vec<String> {
    http_triggers(manifest)
        .filter(|t| t["route"].get("private").and_then(Value::as_bool) == Some(true))
        .map(component_of)
        .collect()
}

fn http_triggers(manifest: &Table) -> impl Iterator<Item = &Value> {
    manifest["trigger"]["http"].as_array().expect("[[trigger.http]] entries").iter()
}

fn component_of(trigger: &Value) -> String {
    trigger["component"].as_str().expect("trigger without component").to_owned()
}

/// The private component that runs the jobs writers queue, and the crate whose code it runs.
const JOB_RUNNER: (&str, &str) = ("job-runner", "webhooks");

/// Spin's router over the manifest's triggers: routefinder 0.5.4 (what Spin 4.1 uses), routes
/// added in manifest order (the order decides ties, see spin.toml), `/prefix/...` as
/// `/prefix/*`.
struct SpinRouter(routefinder::Router<usize>);

impl SpinRouter {
    fn new(triggers: &[(String, String)]) -> Self {
        let mut router = routefinder::Router::new();
        for (index, (route, _)) in triggers.iter().enumerate() {
            let spec = match route.strip_suffix("/...") {
                Some(prefix) => format!("{prefix}/*"),
                None => route.clone(),
            };
            router.add(spec.as_str(), index).unwrap_or_else(|e| panic!("Spin cannot parse route {route}: {e}"));
        }
        Self(router)
    }
}

/// The trigger Spin picks for `path`.
fn spin_route<'a>(triggers: &'a [(String, String)], path: &str) -> Option<&'a (String, String)> {
    let router = SpinRouter::new(triggers);
    router.0.best_match(path).map(|found| &triggers[*found.handler()])
}

/// A concrete path for a route template (`{id}` → `x`, `{*rest}` → `x/y`).
fn sample_path(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(param) if param.starts_with('*') => "x/y",
            Some(_) => "x",
            None => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_function_is_a_component_built_from_its_crate() {
    let manifest = manifest();
    let components = table(&manifest["component"], "[component]");
    let names: BTreeSet<&str> = functions().iter().map(|(name, _)| *name).collect();
    let mut expected = names.clone();
    expected.insert(JOB_RUNNER.0);
    assert_eq!(components.keys().map(String::as_str).collect::<BTreeSet<_>>(), expected);
    for name in names {
        let component = table(&components[name], name);
        assert_eq!(component["source"].as_str(), Some(format!("target/wasm32-wasip2/release/{name}.wasm").as_str()));
        let command = component["build"]["command"].as_str().unwrap_or_default();
        assert!(
            command.ends_with(&format!("cargo build --target wasm32-wasip2 --release -p {name}")),
            "{name} builds with: {command}"
        );
    }
}

#[test]
fn spin_routes_every_route_to_its_own_component_and_no_route_is_dead() {
    let manifest = manifest();
    let triggers = triggers(&manifest);
    let mut used = BTreeSet::new();
    for (name, router) in functions() {
        for template in router.templates() {
            let path = sample_path(template);
            let Some(trigger) = spin_route(&triggers, &path) else { panic!("no Spin route for {template} ({name})") };
            assert_eq!(trigger.1, name, "{template} reaches `{}` through `{}`", trigger.1, trigger.0);
            used.insert(trigger.0.clone());
        }
    }
    let dead: Vec<&String> =
        triggers.iter().map(|(route, _)| route).filter(|r| !used.contains(*r) && *r != CATCH_ALL).collect();
    assert!(dead.is_empty(), "routes no function serves: {dead:?}");
}

/// The route Spin matches when nothing more specific does.
const CATCH_ALL: &str = "/...";

#[test]
fn paths_no_function_routes_reach_the_fallback_component() {
    let triggers = triggers(&manifest());
    assert!(triggers.contains(&(CATCH_ALL.to_owned(), "fallback".to_owned())), "a catch-all route to `fallback`");
    assert_eq!(triggers.iter().filter(|(route, _)| route == CATCH_ALL).count(), 1);
    for path in ["/", "/missing", "/v3/orders", "/v1", "/healthz", "/openapi.yaml", "/v1/unknown/x"] {
        let trigger = spin_route(&triggers, path).map(|t| t.1.as_str());
        assert_eq!(trigger, Some("fallback"), "{path}");
    }
    // Prefixes of real routes still reach their functions, so their own 404/405 apply.
    for (path, component) in [("/v1/orders/x/y", "orders"), ("/docs/nope", "docs"), ("/health", "health")] {
        assert_eq!(spin_route(&triggers, path).map(|t| t.1.as_str()), Some(component), "{path}");
    }
}

#[test]
fn the_job_runner_is_the_webhooks_code_behind_a_private_route_that_writers_may_call() {
    let manifest = manifest();
    let (runner, code) = JOB_RUNNER;
    assert_eq!(private_components(&manifest), [runner], "the only private trigger");
    let components = table(&manifest["component"], "[component]");
    assert_eq!(components[runner]["source"].as_str(), components[code]["source"].as_str(), "{runner} runs {code}");
    assert!(webhooks::job_router().templates().any(|t| t == "/internal/jobs/{job}"));
    let host = adapter_spin::JOB_RUNNER_URL.split("/internal/").next().unwrap();
    assert_eq!(host, format!("http://{runner}.spin.internal"));
    // Publicly, the jobs route does not exist: its path reaches the fallback.
    let triggers = triggers(&manifest);
    assert_eq!(spin_route(&triggers, "/internal/jobs/webhooks.run").map(|t| t.1.as_str()), Some("fallback"));
    // The writers (their handlers queue delivery runs, `webhook_delivery::after_change`)
    // may call the runner, and no longer reach arbitrary https hosts themselves.
    for writer in ["articles", "graphql", "orders", "products", "rpc"] {
        let hosts = strings(components[writer].get("allowed_outbound_hosts"));
        assert!(hosts.contains(&host), "{writer} may call {host}: {hosts:?}");
        assert!(!hosts.contains(&"https://*:*"), "{writer} delivers no webhooks itself: {hosts:?}");
    }
}

#[test]
fn components_are_granted_the_database_the_adapter_opens_and_nothing_else() {
    let manifest = manifest();
    for (name, component) in table(&manifest["component"], "[component]") {
        // Key-value entries live in the SQL database too (ports::kv::SqlKv).
        assert!(component.get("key_value_stores").is_none(), "{name}: no Spin key-value store");
        let sql = strings(component.get("sqlite_databases"));
        // The fallback reads nothing; everything else SQL (the docs its rate-limit counters).
        if name == "fallback" {
            assert!(sql.is_empty(), "{name} is granted no database");
        } else {
            assert_eq!(sql, [adapter_spin::DATABASE], "{name}: SQLite");
        }
    }
}

/// The `{{ name }}` references in `text`.
fn references(text: &str) -> Vec<&str> {
    text.split("{{").skip(1).filter_map(|rest| rest.split_once("}}")).map(|(name, _)| name.trim()).collect()
}

#[test]
fn every_variable_a_component_names_is_declared_and_every_declared_one_is_used() {
    let manifest = manifest();
    let declared = table(&manifest["variables"], "[variables]");
    let mut referenced = BTreeSet::new();
    for (name, component) in table(&manifest["component"], "[component]") {
        let mut texts: Vec<&str> = strings(component.get("allowed_outbound_hosts"));
        if let Some(variables) = component.get("variables") {
            for (variable, value) in table(variables, "component variables") {
                assert!(
                    variable.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{name}: {variable}"
                );
                texts.push(value.as_str().unwrap_or_else(|| panic!("{name}.{variable} is a string")));
            }
        }
        for reference in texts.into_iter().flat_map(references) {
            assert!(declared.contains_key(reference), "{name} names `{reference}`, which [variables] does not declare");
            referenced.insert(reference.to_owned());
        }
    }
    let unused: Vec<&String> = declared.keys().filter(|v| !referenced.contains(*v)).collect();
    assert!(unused.is_empty(), "declared but granted to no component: {unused:?}");
}

#[test]
fn every_worker_variable_is_a_spin_variable() {
    let wrangler: Table = WRANGLER_TOML.parse().expect("wrangler.toml is TOML");
    let spin = manifest();
    let declared = table(&spin["variables"], "[variables]");
    for name in table(&wrangler["vars"], "[vars]").keys() {
        assert!(declared.contains_key(&name.to_ascii_lowercase()), "{name} has no Spin variable");
    }
    for secret in ["jwt_signing_keys", "auth_secret"] {
        assert_eq!(declared[secret]["secret"].as_bool(), Some(true), "{secret} is a Spin secret");
    }
}
