//! GraphQL over HTTP: `POST /graphql` (JSON body) and `GET /graphql?query=…` (queries only, so
//! they can be cached), following the GraphQL-over-HTTP spec: `application/graphql-response+json`
//! when the client accepts it (then a request that never executed is a 400), JSON otherwise
//! (always 200 once the request is well-formed). Batches are refused.

use std::rc::Rc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, Variables};
use http::{HeaderValue, StatusCode, header};
use identity::authenticate_optional;
use serde::Deserialize;
use serde_json::Value;
use web::{Body, Problem, Request, Response};

use crate::persisted::{self, Lookup};
use crate::scope::ScopeData;
use crate::settings::Limits;
use crate::shape::Shape;

/// The GraphQL-over-HTTP response media type.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A GraphQL request as JSON (the POST body; GET sends the same as query parameters).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlRequest {
    query: Option<String>,
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default)]
    extensions: Option<Value>,
}

/// `GET /graphql`: the request in the query string; mutations are refused (405). A browser
/// (`Accept: text/html`) asking for no query gets GraphiQL.
pub async fn get(request: Request) -> Result<Response, Problem> {
    let wants_page = request.header(header::ACCEPT).is_some_and(|accept| accept.contains("text/html"));
    if wants_page && request.uri().query().is_none_or(str::is_empty) {
        return web::static_files::serve(&request, "/graphiql/index.html").await;
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let params: Params = request.query()?;
    let json = |name: &str, text: Option<String>| -> Result<Option<Value>, Problem> {
        text.map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|_| Problem::bad_request("invalid_request", format!("`{name}` must be a JSON object.")))
    };
    let parsed = GraphqlRequest {
        query: params.query,
        operation_name: params.operation_name,
        variables: json("variables", params.variables)?,
        extensions: json("extensions", params.extensions)?,
    };
    execute(request, parsed, Method::Get).await
}

/// How the request came.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    /// Queries only.
    Get,
    /// Anything.
    Post,
}

/// `POST /graphql`: the request as a JSON object (arrays, i.e. batches, are refused).
pub async fn post(request: Request) -> Result<Response, Problem> {
    let body: Value = request.json()?;
    if body.is_array() {
        return Err(Problem::bad_request("batching_disabled", "Send one GraphQL request per HTTP request."));
    }
    let parsed: GraphqlRequest = serde_json::from_value(body)
        .map_err(|e| Problem::bad_request("invalid_request", format!("Not a GraphQL request: {e}")))?;
    execute(request, parsed, Method::Post).await
}

/// Whether the operation `name` picks (or any, without a name) in `document` is a mutation.
fn is_mutation(document: &ExecutableDocument, name: Option<&str>) -> bool {
    document.operations.iter().any(|(operation_name, operation)| {
        let chosen = match (name, operation_name) {
            (Some(wanted), Some(found)) => wanted == found.as_str(),
            _ => true,
        };
        chosen && operation.node.ty == OperationType::Mutation
    })
}

async fn execute(request: Request, parsed: GraphqlRequest, method: Method) -> Result<Response, Problem> {
    let platform = request.platform();
    let limits = Limits::load(&*platform.config).await?;
    let strict = request.header(header::ACCEPT).is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    if parsed.query.as_ref().is_some_and(|query| query.len() > limits.query_bytes) {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "query_too_large", "Query too large")
            .with_detail(format!("Queries are limited to {} bytes.", limits.query_bytes)));
    }
    if parsed.variables.as_ref().is_some_and(|v| !v.is_object() && !v.is_null()) {
        return Err(Problem::bad_request("invalid_request", "`variables` must be a JSON object."));
    }
    let mode = persisted::Mode::load(&*platform.config).await?;
    let text = match persisted::query_text(platform, &mode, parsed.query, parsed.extensions.as_ref()).await? {
        Lookup::Run(text) => text,
        Lookup::Refused(refusal) => return not_executed(refusal.code, refusal.message, strict),
    };
    if let Ok(document) = async_graphql::parser::parse_query(&text) {
        if method == Method::Get && is_mutation(&document, parsed.operation_name.as_deref()) {
            return Err(Problem::method_not_allowed("POST").with_detail("Mutations are sent with POST."));
        }
        let shape = Shape::of(&document);
        if shape.aliases > limits.aliases {
            return not_executed("too_many_aliases", "The query uses more aliases than allowed.", strict);
        }
        if shape.root_fields > limits.root_fields {
            return not_executed("too_many_root_fields", "The query asks for more root fields than allowed.", strict);
        }
        if shape.introspects && !limits.introspection {
            return not_executed("introspection_disabled", "Introspection is disabled on this server.", strict);
        }
    }
    let principal = authenticate_optional(&request).await?;
    let mut query = async_graphql::Request::new(text)
        .variables(Variables::from_json(parsed.variables.unwrap_or(Value::Null)))
        .data(ScopeData::new(Rc::new(request), principal));
    if let Some(name) = parsed.operation_name {
        query = query.operation_name(name);
    }
    let mut answer = limits.schema().execute(query).await;
    for error in &mut answer.errors {
        label(error);
    }
    let executed = answer.data != async_graphql::Value::Null || answer.errors.is_empty();
    respond(&answer, strict, executed)
}

/// A GraphQL response. With `application/graphql-response+json`, one that never executed is
/// a 400; plain JSON is always 200.
fn respond(answer: &async_graphql::Response, strict: bool, executed: bool) -> Result<Response, Problem> {
    let bytes = serde_json::to_vec(answer).map_err(|e| Problem::internal(format!("serialising a response: {e}")))?;
    let mut response = Response::new(Body::from(bytes));
    let content_type = if strict { GRAPHQL_RESPONSE } else { "application/json" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if strict && !executed {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// The response to a request refused before execution, with `code` in `extensions.code`.
fn not_executed(code: &'static str, message: &str, strict: bool) -> Result<Response, Problem> {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    respond(&async_graphql::Response::from_errors(vec![error]), strict, false)
}

/// Gives errors from parsing and validation a machine code too.
fn label(error: &mut ServerError) {
    if error.extensions.as_ref().is_some_and(|e| e.get("code").is_some()) {
        return;
    }
    let code = if error.message.contains("nested too deep") {
        "query_too_deep"
    } else if error.message.contains("too complex") {
        "query_too_complex"
    } else {
        "invalid_query"
    };
    error.extensions.get_or_insert_with(Default::default).set("code", code);
}

/// `GET /graphiql/{file}`: GraphiQL's scripts and styles (from npm at build time).
pub async fn graphiql_file(request: Request) -> Result<Response, Problem> {
    let path = format!("/graphiql/{}", request.param("file")?);
    web::static_files::serve(&request, &path).await
}
