//! Persisted queries: Automatic Persisted Queries (Apollo's protocol: a client sends
//! `extensions.persistedQuery.sha256Hash`, and the query text only when the server does not
//! know it yet; known texts are kept in KV), and an allow-list mode that runs only queries
//! whose hash the deployment lists.

use serde_json::Value;
use web::Problem;
use web::ports::{Config, Platform};

/// How long a registered query text is kept (30 days; a client simply sends it again).
const TTL: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// The deployment's choice (`graphql_persisted_queries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Any query; hashes are looked up and registered (`apq`, the default).
    Automatic,
    /// Any query; hashes are not understood (`off`).
    Off,
    /// Only queries whose sha256 is in `graphql_allowed_queries` (comma-separated hex), by hash
    /// or in full (`allowlist`).
    AllowList(Vec<String>),
}

impl Mode {
    /// Reads the mode; a malformed value is a deployment error (500 naming it).
    pub async fn load(config: &dyn Config) -> Result<Self, Problem> {
        Ok(match config.var("graphql_persisted_queries").await?.as_deref().map(str::trim) {
            None | Some("" | "apq") => Self::Automatic,
            Some("off") => Self::Off,
            Some("allowlist") => {
                let listed = config.var("graphql_allowed_queries").await?.unwrap_or_default();
                Self::AllowList(
                    listed.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect(),
                )
            }
            Some(other) => {
                return Err(Problem::internal(format!(
                    "graphql_persisted_queries: `{other}` is not apq, off or allowlist"
                )));
            }
        })
    }
}

/// Why a request's query cannot run, as a GraphQL error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `extensions.code`: Apollo's `PERSISTED_QUERY_NOT_FOUND` (clients then send the text),
    /// `persisted_query_mismatch`, `persisted_query_not_allowed` or `persisted_queries_off`.
    pub code: &'static str,
    /// The message (Apollo clients also look for `PersistedQueryNotFound`).
    pub message: &'static str,
}

/// What a request's query turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The text to run.
    Run(String),
    /// It may not run.
    Refused(Refusal),
}

fn refuse(code: &'static str, message: &'static str) -> Result<Lookup, Problem> {
    Ok(Lookup::Refused(Refusal { code, message }))
}

/// The query text to run: the request's own, or the registered one its hash names.
pub async fn query_text(
    platform: &Platform,
    mode: &Mode,
    query: Option<String>,
    extensions: Option<&Value>,
) -> Result<Lookup, Problem> {
    let hash = extensions
        .and_then(|e| e.get("persistedQuery"))
        .and_then(|p| p.get("sha256Hash"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let Some(hash) = hash else {
        return match (query, mode) {
            (None, _) => Err(Problem::bad_request("invalid_request", "Send the query in `query`.")),
            (Some(query), Mode::AllowList(listed))
                if !listed.contains(&identity::crypto::sha256_hex(query.as_bytes())) =>
            {
                refuse("persisted_query_not_allowed", "Only registered queries run here.")
            }
            (Some(query), _) => Ok(Lookup::Run(query)),
        };
    };
    if *mode == Mode::Off {
        return refuse("persisted_queries_off", "Persisted queries are not served here; send the query.");
    }
    if let Mode::AllowList(listed) = mode
        && !listed.contains(&hash)
    {
        return refuse("persisted_query_not_allowed", "Only registered queries run here.");
    }
    let key = format!("graphql:apq:{hash}");
    match query {
        Some(query) => {
            if identity::crypto::sha256_hex(query.as_bytes()) != hash {
                return refuse("persisted_query_mismatch", "The query's sha256 is not the hash sent with it.");
            }
            // Registering is best effort: the query runs even if KV is down.
            let _ = platform.kv.put(&key, query.as_bytes(), Some(TTL)).await;
            Ok(Lookup::Run(query))
        }
        None => match platform.kv.get(&key).await? {
            Some(bytes) => {
                String::from_utf8(bytes).map(Lookup::Run).map_err(|_| Problem::internal("a stored query is not UTF-8"))
            }
            None => refuse("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"),
        },
    }
}
