//! Roles and the permissions they grant: the one table every function authorizes against.

use std::fmt;
use std::str::FromStr;

macro_rules! permissions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Something a caller may be allowed to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission {
            $($(#[$doc])* $variant,)*
        }

        impl Permission {
            /// Every permission, in declaration order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The wire name (`orders:create`), used in API-key scopes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }
        }

        impl FromStr for Permission {
            type Err = UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    $($name => Ok(Permission::$variant),)*
                    _ => Err(UnknownName(name.to_owned())),
                }
            }
        }
    };
}

permissions! {
    /// Read the product catalogue.
    ProductsRead => "products:read",
    /// Create, change and deactivate products.
    ProductsWrite => "products:write",
    /// Place orders.
    OrdersCreate => "orders:create",
    /// Read one's own orders (object-level: owner only).
    OrdersRead => "orders:read",
    /// Read every order.
    OrdersReadAll => "orders:read_all",
    /// Cancel one's own pending/processing orders.
    OrdersCancel => "orders:cancel",
    /// Move orders through their status machine.
    OrdersUpdateStatus => "orders:update_status",
    /// Delete orders.
    OrdersDelete => "orders:delete",
    /// Read and change one's own customer profile.
    CustomersSelf => "customers:self",
    /// Read and change every customer profile.
    CustomersAll => "customers:all",
    /// Create, list and revoke one's own API keys.
    ApiKeysManage => "api_keys:manage",
    /// List users.
    UsersRead => "users:read",
    /// Change users' roles.
    UsersManage => "users:manage",
    /// Read the audit log.
    AuditRead => "audit:read",
    /// Write, edit and publish one's own articles (object-level: author only).
    ArticlesWrite => "articles:write",
    /// Edit, publish and archive anyone's articles, and read their drafts.
    ArticlesEditAny => "articles:edit_any",
    /// Delete articles.
    ArticlesDelete => "articles:delete",
    /// Comment on published articles, and delete one's own comments.
    CommentsWrite => "comments:write",
    /// Delete anyone's comments.
    CommentsModerate => "comments:moderate",
}

/// A role: a named set of permissions, assigned by administrators (never by request bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Shoppers: their own orders, profile and keys.
    Customer,
    /// Operations: the catalogue and every order's status.
    Staff,
    /// Administrators: users, roles, deletions, audit.
    Admin,
    /// Publishing: edits, publishes and archives anyone's articles, moderates comments.
    Editor,
}

const CUSTOMER: &[Permission] = &[
    Permission::ProductsRead,
    Permission::OrdersCreate,
    Permission::OrdersRead,
    Permission::OrdersCancel,
    Permission::CustomersSelf,
    Permission::ApiKeysManage,
    Permission::ArticlesWrite,
    Permission::CommentsWrite,
];

const STAFF: &[Permission] = &[
    Permission::ProductsRead,
    Permission::ProductsWrite,
    Permission::OrdersRead,
    Permission::OrdersReadAll,
    Permission::OrdersUpdateStatus,
    Permission::CustomersSelf,
    Permission::CustomersAll,
    Permission::ApiKeysManage,
];

const EDITOR: &[Permission] = &[
    Permission::ProductsRead,
    Permission::ApiKeysManage,
    Permission::ArticlesWrite,
    Permission::ArticlesEditAny,
    Permission::CommentsWrite,
    Permission::CommentsModerate,
];

const ADMIN: &[Permission] = Permission::ALL;

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[Role::Customer, Role::Staff, Role::Admin, Role::Editor];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Editor => "editor",
        }
    }

    /// What this role may do.
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Role::Customer => CUSTOMER,
            Role::Staff => STAFF,
            Role::Admin => ADMIN,
            Role::Editor => EDITOR,
        }
    }
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::ALL.iter().copied().find(|r| r.as_str() == name).ok_or_else(|| UnknownName(name.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role or permission name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown name `{}`", self.0)
    }
}

/// The union of the roles' permissions, sorted and without duplicates.
pub fn permissions_of(roles: &[Role]) -> Vec<Permission> {
    let mut all: Vec<Permission> = roles.iter().flat_map(|r| r.permissions().iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Parses space-separated names (`"customer staff"`), refusing unknown ones.
pub fn parse_list<T: FromStr<Err = UnknownName>>(text: &str) -> Result<Vec<T>, UnknownName> {
    text.split_ascii_whitespace().map(str::parse).collect()
}

/// Formats names space-separated, the storage form of roles and scopes.
pub fn format_list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// SQL condition on `users.roles` (space-separated names) that holds for admins. It is the
/// condition of the partial index `users_admins` (migration 0008), so queries that use it
/// exactly read only the admins, never every user.
pub const ADMIN_ROLE_FILTER: &str = "instr(' ' || roles || ' ', ' admin ') > 0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>().unwrap(), *permission);
        }
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn roles_grant_what_the_table_says() {
        assert!(Role::Customer.permissions().contains(&Permission::OrdersCreate));
        assert!(!Role::Customer.permissions().contains(&Permission::ProductsWrite));
        assert!(!Role::Customer.permissions().contains(&Permission::UsersRead));
        assert!(Role::Staff.permissions().contains(&Permission::OrdersUpdateStatus));
        assert!(!Role::Staff.permissions().contains(&Permission::UsersManage));
        assert!(!Role::Staff.permissions().contains(&Permission::OrdersDelete));
        assert_eq!(Role::Admin.permissions(), Permission::ALL);
    }

    #[test]
    fn union_is_sorted_and_unique() {
        let union = permissions_of(&[Role::Customer, Role::Staff]);
        let mut sorted = union.clone();
        sorted.dedup();
        assert_eq!(union, sorted);
        assert!(union.contains(&Permission::OrdersCreate) && union.contains(&Permission::ProductsWrite));
    }

    #[test]
    fn lists_parse_strictly() {
        assert_eq!(parse_list::<Role>("customer  staff").unwrap(), vec![Role::Customer, Role::Staff]);
        assert!(parse_list::<Permission>("orders:create nope").is_err());
        assert_eq!(format_list(&[Role::Customer, Role::Admin]), "customer admin");
    }
}
