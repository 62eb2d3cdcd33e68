//! Who is calling, and the guards handlers use.

use http::{HeaderValue, StatusCode, header};
use web::Problem;

use crate::permissions::{Permission, Role};

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token of this session.
    Session {
        /// The session (refresh-token family) id.
        session_id: String,
    },
    /// An API key.
    ApiKey {
        /// The key's id.
        key_id: String,
    },
    /// An access token from the configured external OpenID Connect issuer.
    External {
        /// The issuer.
        issuer: String,
    },
}

/// An authenticated caller. Roles and permissions come from the server's records, never from
/// the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user id.
    pub user_id: String,
    /// The user's current roles.
    pub roles: Vec<Role>,
    /// What this caller may do: the roles' permissions, narrowed to the key's scopes for API keys.
    pub permissions: Vec<Permission>,
    /// Token or key.
    pub credential: Credential,
}

impl Principal {
    /// Whether the caller holds `permission`.
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// `Ok` if the caller holds `permission`, else 403.
    pub fn require(&self, permission: Permission) -> Result<(), Problem> {
        if self.has(permission) { Ok(()) } else { Err(forbidden(permission)) }
    }

    /// Object-level check: `Ok` if the caller owns the object or holds `permission`.
    /// Otherwise 404, as if the object did not exist, so ids cannot be probed.
    pub fn owner_or(&self, owner_id: &str, permission: Permission) -> Result<(), Problem> {
        if self.user_id == owner_id || self.has(permission) { Ok(()) } else { Err(Problem::not_found()) }
    }

    /// The session id, when authenticated with an access token.
    pub fn session_id(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { session_id } => Some(session_id),
            Credential::ApiKey { .. } | Credential::External { .. } => None,
        }
    }
}

/// 401 for a missing credential, with the `WWW-Authenticate` challenge (RFC 6750).
pub fn unauthenticated() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required")
        .with_detail("Send an access token (Authorization: Bearer) or an API key (X-API-Key).")
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"orderflow\""))
}

/// 401 for a credential that does not verify. `reason` is logged, not sent.
pub fn invalid_token(reason: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid credentials")
        .with_detail("The access token or API key is invalid, expired or revoked.")
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"orderflow\", error=\"invalid_token\""),
        )
        .with_cause(format!("credential refused: {reason}"))
}

/// 403 naming the missing permission.
pub fn forbidden(permission: Permission) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
        .with_detail(format!("This needs the `{permission}` permission."))
        .with_extension("required_permission", permission.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::permissions_of;

    fn customer(id: &str) -> Principal {
        Principal {
            user_id: id.into(),
            roles: vec![Role::Customer],
            permissions: permissions_of(&[Role::Customer]),
            credential: Credential::Session { session_id: "s".into() },
        }
    }

    #[test]
    fn require_and_owner_or() {
        let alice = customer("alice");
        assert!(alice.require(Permission::OrdersCreate).is_ok());
        assert_eq!(alice.require(Permission::UsersRead).unwrap_err().status(), 403);
        assert!(alice.owner_or("alice", Permission::OrdersReadAll).is_ok());
        assert_eq!(alice.owner_or("bob", Permission::OrdersReadAll).unwrap_err().status(), 404);
        let mut staff = customer("carol");
        staff.permissions = permissions_of(&[Role::Staff]);
        assert!(staff.owner_or("bob", Permission::OrdersReadAll).is_ok());
    }
}
