//! User administration: listing users and changing roles.

use http::StatusCode;
use identity::permissions::{ADMIN_ROLE_FILTER, format_list};
use identity::{Permission, Role, authenticate};
use rest::audit::{self, Entry};
use serde::{Deserialize, Serialize};
use web::ports::sql::{Statement, Value};
use web::{Json, Problem, Request};

use crate::accounts::{USER_COLUMNS, User};

/// Largest page.
const MAX_LIMIT: u32 = 100;
const DEFAULT_LIMIT: u32 = 20;

/// `GET /v1/admin/users` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of users, oldest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    /// The users.
    pub items: Vec<User>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/admin/users` (needs `users:read`), keyset-paginated on `(created_at, id)`.
pub async fn list_users(request: Request) -> Result<Json<UserPage>, Problem> {
    authenticate(&request).await?.require(Permission::UsersRead)?;
    let query: ListQuery = request.query()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::bad_request("invalid_query", "`limit` must be between 1 and 100."));
    }
    let (after_created, after_id) = match &query.cursor {
        Some(cursor) => {
            parse_cursor(cursor).ok_or_else(|| Problem::bad_request("invalid_query", "`cursor` is malformed."))?
        }
        None => (-web::ports::sql::MAX_SAFE_INTEGER, String::new()),
    };
    let rows = request
        .platform()
        .sql
        .query(
            &Statement::new(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3"
            ))
            .bind(after_created)
            .bind(after_id)
            .bind(limit + 1),
        )
        .await?;
    let mut items = rows.iter().map(User::from_row).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|u| format!("{}_{}", u.created_at, u.id))
    } else {
        None
    };
    Ok(Json(UserPage { items, next_cursor }))
}

fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (created, id) = cursor.split_once('_')?;
    let created: i64 = created.parse().ok()?;
    (created.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64).then(|| (created, id.to_owned()))
}

/// `PUT /v1/admin/users/{id}/roles` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RolesBody {
    /// The complete new set of roles.
    pub roles: Vec<String>,
}

/// `PUT /v1/admin/users/{id}/roles` (needs `users:manage`): replaces a user's roles. Admins
/// cannot remove their own admin role (the last admin could lock everyone out).
pub async fn set_roles(request: Request) -> Result<Json<User>, Problem> {
    let principal = authenticate(&request).await?;
    principal.require(Permission::UsersManage)?;
    let user_id = request.param("id")?.to_owned();
    let body: RolesBody = request.json()?;
    let mut roles = body
        .roles
        .iter()
        .map(|name| name.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Problem::unprocessable("invalid_role", format!("{e}; roles are customer, staff, admin.")))?;
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        return Err(Problem::unprocessable("invalid_role", "A user needs at least one role."));
    }
    if user_id == principal.user_id && !roles.contains(&Role::Admin) {
        return Err(Problem::new(StatusCode::CONFLICT, "cannot_demote_self", "Cannot remove your own admin role")
            .with_detail("Ask another admin to change your roles."));
    }
    let platform = request.platform();
    let select = Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1")).bind(user_id.as_str());
    let before = User::from_row(&platform.sql.query_optional(&select).await?.ok_or_else(Problem::not_found)?)?;
    let keeps_admin = roles.contains(&Role::Admin);
    let roles = format_list(&roles);
    // The change and its audit row in one batch, both only if the roles are still what we read
    // (a concurrent change makes this request a no-op and a retryable 409) and some other user
    // stays admin when this one stops being one (two admins demoting each other at once must
    // not leave none).
    let unchanged = before.roles.join(" ");
    let other_admin = format!("EXISTS (SELECT 1 FROM users WHERE id <> ? AND {ADMIN_ROLE_FILTER})");
    let admin_remains = if keeps_admin { "1".to_owned() } else { other_admin };
    let guard = format!("EXISTS (SELECT 1 FROM users WHERE id = ? AND roles = ?) AND {admin_remains}");
    let mut guard_params = vec![Value::from(user_id.as_str()), Value::from(unchanged.as_str())];
    if !keeps_admin {
        guard_params.push(Value::from(user_id.as_str()));
    }
    let results = platform
        .sql
        .batch(&[
            audit::statement(
                &request,
                &principal,
                &Entry {
                    action: "user.roles",
                    target_type: "user",
                    target_id: &user_id,
                    before: Some(serde_json::json!({ "roles": before.roles })),
                    after: Some(serde_json::json!({ "roles": roles.split(' ').collect::<Vec<_>>() })),
                },
                Some((&guard, guard_params.clone())),
            ),
            {
                let mut update =
                    Statement::new(format!("UPDATE users SET roles = ?, updated_at = ? WHERE id = ? AND {guard}"))
                        .bind(roles.as_str())
                        .bind(platform.clock.now_millis())
                        .bind(user_id.as_str());
                update.params.extend(guard_params);
                update
            },
            select,
        ])
        .await?;
    if results[1].rows_affected == 0 {
        let unchanged_now =
            results[2].rows.first().map(User::from_row).transpose()?.is_some_and(|u| u.roles == before.roles);
        if unchanged_now && !keeps_admin {
            return Err(Problem::new(StatusCode::CONFLICT, "last_admin", "Cannot remove the last admin")
                .with_detail("Another user must be admin first."));
        }
        return Err(Problem::new(StatusCode::CONFLICT, "concurrent_change", "Roles changed concurrently")
            .with_detail("Another administrator changed this user's roles; read them again and retry."));
    }
    let row = results[2].rows.first().ok_or_else(Problem::not_found)?;
    Ok(Json(User::from_row(row)?))
}
