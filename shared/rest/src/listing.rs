//! Listing: allow-listed filters and sorts, a hard page-size cap, page numbers (v1) or opaque
//! keyset cursors (v2), and a small builder for the parameterised SQL.

use identity::crypto::{b64url, b64url_decode};
use serde::Serialize;
use serde_json::json;
use web::ports::Sql;
use web::ports::sql::{Statement, Value};
use web::{Problem, Request};

use crate::versions::ApiVersion;

/// The largest page any list returns.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A sortable field: its public name and its SQL column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The name clients use (`created_at`).
    pub name: &'static str,
    /// The SQL column (must be indexed together with `id`).
    pub column: &'static str,
}

/// A sort order: a key and a direction (`-created_at` is descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The field.
    pub key: SortKey,
    /// Newest/largest first.
    pub descending: bool,
}

impl Sort {
    /// Parses `sort` against `allowed`; `None` gives `default`. Anything else is a 400.
    pub fn parse(text: Option<&str>, allowed: &[SortKey], default: Sort) -> Result<Sort, Problem> {
        let Some(text) = text else { return Ok(default) };
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = allowed.iter().copied().find(|k| k.name == name).ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|k| k.name).collect();
            Problem::bad_request(
                "invalid_query",
                format!("`sort` must be one of {} (prefix - for descending).", names.join(", ")),
            )
        })?;
        Ok(Sort { key, descending })
    }
}

/// Which page to return.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// v1: 1-based page number and size.
    Numbered {
        /// Page number, from 1.
        page: u32,
        /// Items per page, 1–100.
        per_page: u32,
    },
    /// v2: items after a cursor.
    Cursor {
        /// Items per page, 1–100.
        limit: u32,
        /// The sort value and id of the last item already seen.
        after: Option<(Value, String)>,
    },
}

/// The query parameters paging uses in each version (for [`check_params`]).
pub fn paging_params(version: ApiVersion) -> &'static [&'static str] {
    match version {
        ApiVersion::V1 => &["page", "per_page"],
        ApiVersion::V2 => &["limit", "cursor"],
    }
}

/// Refuses unknown and repeated query parameters (400): only `allowed` plus the version's
/// paging parameters and `sort` may appear.
pub fn check_params(request: &Request, version: ApiVersion, allowed: &[&str]) -> Result<(), Problem> {
    let query = request.uri().query().unwrap_or("");
    let mut seen: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or_default();
        if !(allowed.contains(&name) || paging_params(version).contains(&name) || name == "sort") {
            return Err(Problem::bad_request("invalid_query", format!("Unknown query parameter `{name}`.")));
        }
        if seen.contains(&name) {
            return Err(Problem::bad_request("invalid_query", format!("Query parameter `{name}` appears twice.")));
        }
        seen.push(name);
    }
    Ok(())
}

/// Reads the page from the query (`page`/`per_page` in v1, `limit`/`cursor` in v2).
pub fn page(request: &Request, version: ApiVersion) -> Result<Page, Problem> {
    let param = |name: &str| -> Option<String> {
        request.uri().query().unwrap_or("").split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| value.to_owned())
        })
    };
    let number = |name: &str, default: u32, range: std::ops::RangeInclusive<u32>| -> Result<u32, Problem> {
        match param(name) {
            None => Ok(default),
            Some(text) => text.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                Problem::bad_request(
                    "invalid_query",
                    format!("`{name}` must be a number in {}..={}.", range.start(), range.end()),
                )
            }),
        }
    };
    Ok(match version {
        ApiVersion::V1 => Page::Numbered {
            page: number("page", 1, 1..=100_000)?,
            per_page: number("per_page", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
        },
        ApiVersion::V2 => Page::Cursor {
            limit: number("limit", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
            after: param("cursor").map(|c| decode_cursor(&c)).transpose()?,
        },
    })
}

/// An opaque cursor for the item with sort value `value` and id `id`.
pub fn encode_cursor(value: &Value, id: &str) -> String {
    let value = match value {
        Value::Integer(v) => json!(v),
        Value::Text(v) => json!(v),
        _ => json!(null),
    };
    b64url(json!([value, id]).to_string().as_bytes())
}

/// Reads a cursor made by [`encode_cursor`] (400 when it is not one).
pub fn decode_cursor(cursor: &str) -> Result<(Value, String), Problem> {
    let invalid = || Problem::bad_request("invalid_query", "`cursor` is not a cursor this API issued.");
    let bytes = b64url_decode(cursor).ok_or_else(invalid)?;
    let parsed: (serde_json::Value, String) = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let value = match parsed.0 {
        serde_json::Value::Number(n) => Value::Integer(
            n.as_i64().filter(|v| v.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64).ok_or_else(invalid)?,
        ),
        serde_json::Value::String(s) => Value::Text(s),
        _ => return Err(invalid()),
    };
    Ok((value, parsed.1))
}

/// A `WHERE` clause built from optional filters, with anonymous `?` parameters in order.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// Adds a condition with its parameters (`"status = ?"`, `[status]`).
    pub fn and(&mut self, condition: &str, params: impl IntoIterator<Item = Value>) -> &mut Self {
        self.conditions.push(condition.to_owned());
        self.params.extend(params);
        self
    }

    /// `WHERE a AND b` (empty when there are no conditions).
    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!(" WHERE {}", self.conditions.join(" AND ")) }
    }

    /// The parameters, in order.
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    /// `SELECT columns FROM table [WHERE …] ORDER BY … LIMIT … [OFFSET …]` for `page`, and its
    /// parameters. One extra row is fetched to tell whether another page follows.
    pub fn page_query(&self, columns: &str, table: &str, sort: Sort, page: &Page) -> (String, Vec<Value>) {
        let mut filter = self.clone();
        let direction = if sort.descending { "DESC" } else { "ASC" };
        let (limit, offset) = match page {
            Page::Numbered { page, per_page } => (*per_page, Some((page - 1) * per_page)),
            Page::Cursor { limit, after } => {
                if let Some((value, id)) = after {
                    let comparison = if sort.descending { "<" } else { ">" };
                    filter.and(
                        &format!("({}, id) {comparison} (?, ?)", sort.key.column),
                        [value.clone(), Value::Text(id.clone())],
                    );
                }
                (*limit, None)
            }
        };
        let mut sql = format!(
            "SELECT {columns} FROM {table}{} ORDER BY {column} {direction}, id {direction} LIMIT {}",
            filter.where_clause(),
            limit + 1,
            column = sort.key.column
        );
        if let Some(offset) = offset {
            sql.push_str(&format!(" OFFSET {offset}"));
        }
        (sql, filter.params)
    }

    /// `SELECT COUNT(*) AS total FROM table [WHERE …]` (v1 reports totals).
    pub fn count_query(&self, table: &str) -> (String, Vec<Value>) {
        (format!("SELECT COUNT(*) AS total FROM {table}{}", self.where_clause()), self.params.clone())
    }

    /// The body for one page of `items` (rows already cut by [`split_extra`]): v1's numbered
    /// page with the filter's total (one `COUNT` on `table`), or v2's cursor page, whose
    /// `next_cursor` is asked for only then.
    pub async fn page_body<T>(
        &self,
        sql: &dyn Sql,
        table: &str,
        page: &Page,
        items: Vec<T>,
        next_cursor: impl FnOnce() -> Option<String>,
    ) -> Result<PageBody<T>, Problem> {
        Ok(match *page {
            Page::Numbered { page, per_page } => {
                let (query, params) = self.count_query(table);
                let total = sql
                    .query_optional(&Statement { sql: query, params })
                    .await?
                    .map(|row| row.get::<i64>("total"))
                    .transpose()?
                    .unwrap_or(0);
                PageBody::Numbered(NumberedPage { items, page, per_page, total })
            }
            Page::Cursor { .. } => PageBody::Cursor(CursorPage { items, next_cursor: next_cursor() }),
        })
    }
}

/// One page as the API version presents it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PageBody<T> {
    /// v1: page numbers and a total.
    Numbered(NumberedPage<T>),
    /// v2: an opaque cursor.
    Cursor(CursorPage<T>),
}

/// A v1 page of items.
#[derive(Debug, Serialize)]
pub struct NumberedPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// This page's number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items across all pages.
    pub total: i64,
}

/// A v2 page of items.
#[derive(Debug, Serialize)]
pub struct CursorPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Cuts the extra row fetched by [`Filter::page_query`]; returns whether more pages follow.
pub fn split_extra<T>(rows: &mut Vec<T>, page: &Page) -> bool {
    let limit = match page {
        Page::Numbered { per_page, .. } => *per_page,
        Page::Cursor { limit, .. } => *limit,
    } as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    more
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: SortKey = SortKey { name: "created_at", column: "created_at" };
    const TOTAL: SortKey = SortKey { name: "total", column: "total_minor" };

    #[test]
    fn sorts_come_from_the_allow_list_only() {
        let default = Sort { key: CREATED, descending: true };
        assert_eq!(Sort::parse(None, &[CREATED, TOTAL], default).unwrap(), default);
        assert_eq!(
            Sort::parse(Some("total"), &[CREATED, TOTAL], default).unwrap(),
            Sort { key: TOTAL, descending: false }
        );
        assert!(Sort::parse(Some("-total"), &[CREATED, TOTAL], default).unwrap().descending);
        assert!(Sort::parse(Some("password_hash"), &[CREATED, TOTAL], default).is_err());
        assert!(Sort::parse(Some("total; DROP TABLE x"), &[CREATED, TOTAL], default).is_err());
    }

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let cursor = encode_cursor(&Value::Integer(42), "id-1");
        assert_eq!(decode_cursor(&cursor).unwrap(), (Value::Integer(42), "id-1".to_owned()));
        let text = encode_cursor(&Value::Text("b".into()), "x");
        assert_eq!(decode_cursor(&text).unwrap().0, Value::Text("b".into()));
        assert!(decode_cursor("!!").is_err());
        assert!(decode_cursor(&b64url(b"[1.5,\"x\"]")).is_err());
        assert!(decode_cursor(&b64url(b"[308445078333065856,\"x\"]")).is_err(), "beyond what SQL stores exactly");
    }

    #[test]
    fn page_queries_are_parameterised() {
        let mut filter = Filter::default();
        filter.and("status = ?", [Value::Text("pending".into())]);
        let sort = Sort { key: TOTAL, descending: true };
        let (sql, params) = filter.page_query(
            "id",
            "orders",
            sort,
            &Page::Cursor { limit: 10, after: Some((Value::Integer(5), "k".into())) },
        );
        assert_eq!(
            sql,
            "SELECT id FROM orders WHERE status = ? AND (total_minor, id) < (?, ?) ORDER BY total_minor DESC, id DESC LIMIT 11"
        );
        assert_eq!(params, vec![Value::Text("pending".into()), Value::Integer(5), Value::Text("k".into())]);
        let (sql, _) = Filter::default().page_query("id", "orders", sort, &Page::Numbered { page: 3, per_page: 20 });
        assert!(sql.ends_with("LIMIT 21 OFFSET 40"));
        let (count, _) = filter.count_query("orders");
        assert_eq!(count, "SELECT COUNT(*) AS total FROM orders WHERE status = ?");
    }

    #[test]
    fn the_extra_row_signals_more() {
        let page = Page::Cursor { limit: 2, after: None };
        let mut rows = vec![1, 2, 3];
        assert!(split_extra(&mut rows, &page));
        assert_eq!(rows, vec![1, 2]);
        assert!(!split_extra(&mut rows, &page));
    }
}
