//! Identity for the whole API: verifying who calls and what they may do.
//!
//! Handlers call [`authenticate`] to get a [`Principal`], then guard with
//! [`Principal::require`] (403 without the permission) or [`Principal::owner_or`] (404 unless
//! the caller owns the object or holds the permission). Roles map to permissions in one table,
//! [`permissions`]. The auth function issues tokens with [`tokens::issue`]; everything else
//! only verifies.

pub mod api_keys;
mod authenticate;
pub mod crypto;
pub mod email;
pub mod external;
pub mod ids;
pub mod keys;
pub mod permissions;
mod principal;
pub mod sealing;
pub mod settings;
pub mod tokens;

pub use authenticate::{
    VerifiedApiKey, authenticate, authenticate_access_token, authenticate_optional, authenticate_with,
    session_permissions, stored_roles, verified_api_key,
};
pub use permissions::{Permission, Role};
pub use principal::{Credential, Principal, forbidden, invalid_token, unauthenticated};
pub use settings::TokenSettings;
