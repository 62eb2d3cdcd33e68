//! GraphQL over HTTP: `POST /graphql` (JSON body) and `GET /graphql?query=…` (queries only, so
//! they can be cached), following the GraphQL-over-HTTP spec: `application/graphql-response+json`
//! when the client accepts it (then a request that never executed is a 400), JSON otherwise
//! (always 200 once the request is well-formed). Batches are refused.

use std::rc::Rc;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use http::{HeaderValue, StatusCode, header};
use identity::authenticate_optional;
use serde::Deserialize;
use serde_json::Value;
use web::{Body, Problem, Request, Response};

use crate::scope::ScopeData;
use crate::settings::Limits;

/// The GraphQL-over-HTTP response media type.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A GraphQL request as JSON (the POST body; GET sends the same as query parameters).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlRequest {
    query: String,
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
}

/// `GET /graphql`: the request in the query string; mutations are refused (405).
pub async fn get(request: Request) -> Result<Response, Problem> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<String>,
    }
    let params: Params = request.query()?;
    let query = params.query.ok_or_else(|| Problem::bad_request("invalid_request", "Send the query in `query`."))?;
    let variables = params
        .variables
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|_| Problem::bad_request("invalid_request", "`variables` must be a JSON object."))?;
    let parsed = GraphqlRequest { query, operation_name: params.operation_name, variables };
    if is_mutation(&parsed) {
        return Err(Problem::method_not_allowed("POST").with_detail("Mutations are sent with POST."));
    }
    execute(request, parsed).await
}

/// `POST /graphql`: the request as a JSON object (arrays, i.e. batches, are refused).
pub async fn post(request: Request) -> Result<Response, Problem> {
    let body: Value = request.json()?;
    if body.is_array() {
        return Err(Problem::bad_request("batching_disabled", "Send one GraphQL request per HTTP request."));
    }
    let parsed: GraphqlRequest = serde_json::from_value(body)
        .map_err(|e| Problem::bad_request("invalid_request", format!("Not a GraphQL request: {e}")))?;
    execute(request, parsed).await
}

fn is_mutation(parsed: &GraphqlRequest) -> bool {
    async_graphql::parser::parse_query(&parsed.query).is_ok_and(|document| {
        document.operations.iter().any(|(name, operation)| {
            let chosen = match (&parsed.operation_name, name) {
                (Some(wanted), Some(name)) => wanted == name.as_str(),
                _ => true,
            };
            chosen && operation.node.ty == OperationType::Mutation
        })
    })
}

async fn execute(request: Request, parsed: GraphqlRequest) -> Result<Response, Problem> {
    let limits = Limits::load(&*request.platform().config).await?;
    if parsed.query.len() > limits.query_bytes {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "query_too_large", "Query too large")
            .with_detail(format!("Queries are limited to {} bytes.", limits.query_bytes)));
    }
    if parsed.variables.as_ref().is_some_and(|v| !v.is_object() && !v.is_null()) {
        return Err(Problem::bad_request("invalid_request", "`variables` must be a JSON object."));
    }
    let graphql_response = request.header(header::ACCEPT).is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    let principal = authenticate_optional(&request).await?;
    let mut query = async_graphql::Request::new(parsed.query)
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
    let bytes = serde_json::to_vec(&answer).map_err(|e| Problem::internal(format!("serialising a response: {e}")))?;
    let mut response = Response::new(Body::from(bytes));
    let content_type = if graphql_response { GRAPHQL_RESPONSE } else { "application/json" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if graphql_response && !executed {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
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
