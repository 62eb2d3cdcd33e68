//! The OpenAPI 3.1 document of the whole API, assembled from each function's `api_docs`
//! (utoipa descriptions next to the handlers, schemas derived from the Rust types), plus what
//! every operation shares: the problem+json error schema and responses, the security schemes,
//! and `deprecated` on every v1 operation that has a v2 twin.
//!
//! `cargo run -p openapi > docs/openapi.json` regenerates the served copy; a test fails if the
//! committed copy differs from what the code generates, or if a route lacks a description.

use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Deprecated, RefOr, Schema};

/// The document's root: metadata and tags (operations come from the functions).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OrderFlow API",
        version = "1.0.0",
        description = "Order management at the edge: customers, products, orders, auth; and publishing: articles and comments.\n\n\
            Errors are RFC 9457 `application/problem+json` with a stable `code`. v1 is deprecated \
            (`Deprecation`/`Sunset` headers) in favour of v2, which shows money as decimal strings, \
            pages with cursors and times in RFC 3339.",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Accounts, tokens, sessions, MFA"),
        (name = "api keys", description = "Keys for machine clients"),
        (name = "admin", description = "User administration and the audit log"),
        (name = "customers", description = "Customer profiles"),
        (name = "products", description = "The product catalogue"),
        (name = "orders", description = "Orders and their status"),
        (name = "articles", description = "Publishing: articles, full-text search, comments"),
        (name = "events", description = "Live updates: Server-Sent Events from the outbox"),
        (name = "webhooks", description = "Signed deliveries of events to your endpoints, with retries"),
    )
)]
struct Root;

/// Security scheme names operations refer to.
pub const BEARER: &str = "bearer";
/// OAuth2 password flow (what Swagger UI's Authorize uses).
pub const OAUTH2: &str = "oauth2";
/// `X-API-Key` header.
pub const API_KEY: &str = "api_key";

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Root::openapi();
    for part in [
        health::api_docs::ApiDoc::openapi(),
        auth::api_docs::ApiDoc::openapi(),
        customers::api_docs::ApiDoc::openapi(),
        products::api_docs::ApiDoc::openapi(),
        orders::api_docs::ApiDoc::openapi(),
        audit::api_docs::ApiDoc::openapi(),
        articles::api_docs::ApiDoc::openapi(),
        events::api_docs::ApiDoc::openapi(),
        webhooks::api_docs::ApiDoc::openapi(),
    ] {
        doc.merge(part);
    }
    add_components(&mut doc);
    add_error_components(&mut doc);
    let v2_paths: Vec<String> = doc.paths.paths.keys().filter(|p| p.starts_with("/v2/")).cloned().collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_successor = path.strip_prefix("/v1/").is_some_and(|rest| v2_paths.contains(&format!("/v2/{rest}")));
        for (method, operation) in operations(item) {
            if has_successor {
                operation.deprecated = Some(Deprecated::True);
            }
            add_error_responses(path, method, operation);
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
    .collect()
}

fn add_components(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert("Problem".into(), RefOr::T(problem_schema()));
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from `POST /v1/auth/token`."))
                .build(),
        ),
    );
    components.add_security_scheme(
        OAUTH2,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::Password(Password::new("/v1/auth/token", Scopes::new()))],
            "Sign in with email and password (the token endpoint's password grant).",
        )),
    );
    components.add_security_scheme(
        API_KEY,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-API-Key",
            "An API key from `POST /v1/api-keys`.",
        ))),
    );
}

/// RFC 9457 problem details with this API's `code`, `request_id` and trace members.
fn problem_schema() -> Schema {
    let string =
        |description: &str| ObjectBuilder::new().schema_type(Type::String).description(Some(description)).build();
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "RFC 9457 problem details. Extension members (e.g. `checks`, `allowed`, `error`) depend on `code`.",
        ))
        .property("type", string("URI reference identifying the problem type: `/problems/<code>`."))
        .property("title", string("Short summary of the problem type."))
        .property(
            "status",
            ObjectBuilder::new().schema_type(Type::Integer).description(Some("The HTTP status.")).build(),
        )
        .property("detail", string("Explanation of this occurrence."))
        .property("instance", string("The request path."))
        .property("code", string("Stable machine-readable code, e.g. `not_found`, `invalid_token`."))
        .property("request_id", string("Quote this when reporting the problem."))
        .property(
            "trace_id",
            string("W3C trace id (32 hex digits): the inbound `traceparent`'s when it was valid, else a new trace's."),
        )
        .property("span_id", string("This request's span id in that trace (16 hex digits)."))
        .required("type")
        .required("title")
        .required("status")
        .required("instance")
        .required("code")
        .required("request_id")
        .required("trace_id")
        .required("span_id")
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
        .into()
}

/// Every problem response: status, component name, description.
const ERROR_RESPONSES: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed request: query, form or JSON syntax."),
    ("401", "Unauthorized", "Missing, invalid, expired or revoked credentials."),
    ("403", "Forbidden", "The caller lacks the permission."),
    ("404", "NotFound", "No such resource (or not the caller's)."),
    ("409", "Conflict", "Conflict with the current state (duplicate, transition, stock, idempotency key in flight)."),
    ("412", "PreconditionFailed", "`If-Match` does not match the current ETag."),
    ("413", "PayloadTooLarge", "The body is too large."),
    ("415", "UnsupportedMediaType", "The body is not in the expected media type."),
    ("422", "UnprocessableContent", "The body is well-formed but invalid."),
    ("429", "TooManyRequests", "Rate limited: see `Retry-After` and the `RateLimit` headers."),
    ("500", "InternalError", "Unexpected failure; nothing leaked, the request id identifies it."),
    ("503", "ServiceUnavailable", "A dependency is unavailable; nothing was changed. See `Retry-After`."),
];

fn add_error_components(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, description) in ERROR_RESPONSES {
        let problem = ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("Problem"))).build();
        let response =
            ResponseBuilder::new().description(*description).content("application/problem+json", problem).build();
        components.responses.insert((*name).to_owned(), RefOr::T(response));
    }
}

/// Whether the operation documents an `If-Match` header (so it can answer 412).
fn takes_if_match(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|p| p.name.eq_ignore_ascii_case("if-match"))
}

/// References the problem responses an operation can give.
fn add_error_responses(path: &str, method: HttpMethod, operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = matches!(method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch);
    let changes = !matches!(method, HttpMethod::Get);
    for (status, name, _) in ERROR_RESPONSES {
        let applies = match *status {
            "401" | "403" => secured,
            "404" => path.contains('{'),
            "413" | "415" | "422" => has_body,
            "412" => {
                matches!(method, HttpMethod::Patch | HttpMethod::Put | HttpMethod::Delete) || takes_if_match(operation)
            }
            "409" => changes,
            _ => true,
        };
        if applies {
            let reference = utoipa::openapi::Ref::new(format!("#/components/responses/{name}"));
            operation.responses.responses.entry((*status).to_owned()).or_insert(RefOr::Ref(reference));
        }
    }
}

/// The document as pretty JSON (what `docs/openapi.json` holds).
pub fn json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document serialises");
    text.push('\n');
    text
}
