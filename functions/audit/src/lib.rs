//! `GET /v1/admin/audit`: the audit log, newest first, for holders of `audit:read` (admins).
//!
//! Filters: `actor_id`, `action`, `target_type`, `target_id`; pages: `page`, `per_page` (≤ 100).

use http::StatusCode;
use identity::{Permission, authenticate};
use rest::listing::{self, Filter, NumberedPage, Page, Sort, SortKey, split_extra};
use rest::versions::ApiVersion;
use serde::{Deserialize, Serialize};
use web::ports::sql::{Row, Statement, Value};
use web::{Problem, Request, Response, Router, get, json_response};

/// The routes of this function.
pub fn router() -> Router {
    Router::new().route("/v1/admin/audit", get(list))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;

const NEWEST_FIRST: Sort = Sort { key: SortKey { name: "id", column: "id" }, descending: true };

/// One audit row.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Sequence number.
    #[cfg_attr(feature = "openapi", schema(example = 1042))]
    pub id: i64,
    /// Unix ms.
    #[cfg_attr(feature = "openapi", schema(example = 1_795_311_924_847_i64))]
    pub at: i64,
    /// Who did it (user id).
    #[cfg_attr(feature = "openapi", schema(example = "9a2e4c71-6b3d-4f08-a1c5-7e9d0b2f4a68"))]
    pub actor_id: String,
    /// What (`product.update`, `order.status`, `user.roles`, …).
    #[cfg_attr(feature = "openapi", schema(example = "product.update"))]
    pub action: String,
    /// Kind of target.
    #[cfg_attr(feature = "openapi", schema(example = "product"))]
    pub target_type: String,
    /// Target id.
    #[cfg_attr(feature = "openapi", schema(example = "0b8e1c52-4a7d-4f0e-9a61-3c2f5d7e9b10"))]
    pub target_id: String,
    /// `{"before": …, "after": …}`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_docs::AuditSummary))]
    pub summary: serde_json::Value,
    /// The request that made the change.
    #[cfg_attr(feature = "openapi", schema(example = "5d41402abc4b2a76b9719d911017c592"))]
    pub request_id: String,
}

impl AuditEntry {
    fn from_row(row: &Row) -> Result<Self, Problem> {
        Ok(Self {
            id: row.get("id")?,
            at: row.get("at")?,
            actor_id: row.get("actor_id")?,
            action: row.get("action")?,
            target_type: row.get("target_type")?,
            target_id: row.get("target_id")?,
            summary: serde_json::from_str(&row.get::<String>("summary")?).unwrap_or(serde_json::Value::Null),
            request_id: row.get("request_id")?,
        })
    }
}

const COLUMNS: &str = "id, at, actor_id, action, target_type, target_id, summary, request_id";

async fn list(request: Request) -> Result<Response, Problem> {
    listing::check_params(&request, ApiVersion::V1, &["actor_id", "action", "target_type", "target_id"])?;
    authenticate(&request).await?.require(Permission::AuditRead)?;
    #[derive(Deserialize)]
    struct Params {
        actor_id: Option<String>,
        action: Option<String>,
        target_type: Option<String>,
        target_id: Option<String>,
        sort: Option<String>,
    }
    let params: Params = request.query()?;
    if params.sort.is_some() {
        return Err(Problem::bad_request("invalid_query", "The audit log is always newest first."));
    }
    let mut filter = Filter::default();
    for (column, value) in [
        ("actor_id", &params.actor_id),
        ("action", &params.action),
        ("target_type", &params.target_type),
        ("target_id", &params.target_id),
    ] {
        if let Some(value) = value {
            filter.and(&format!("{column} = ?"), [Value::from(value.as_str())]);
        }
    }
    let page = listing::page(&request, ApiVersion::V1)?;
    let Page::Numbered { page: number, per_page } = page else { unreachable!("v1 pages are numbered") };
    let sql = &request.platform().sql;
    let (query, values) = filter.page_query(COLUMNS, "audit_log", NEWEST_FIRST, &page);
    let mut items = sql
        .query(&Statement { sql: query, params: values })
        .await?
        .iter()
        .map(AuditEntry::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    split_extra(&mut items, &page);
    let (query, values) = filter.count_query("audit_log");
    let total = sql
        .query_optional(&Statement { sql: query, params: values })
        .await?
        .map(|r| r.get::<i64>("total"))
        .transpose()?;
    json_response(StatusCode::OK, &NumberedPage { items, page: number, per_page, total: total.unwrap_or(0) })
}
