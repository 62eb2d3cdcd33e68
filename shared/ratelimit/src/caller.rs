//! Who is calling, as rate-limit key components, and how a credential becomes an identity.

use async_trait::async_trait;
use identity::TokenSettings;
use identity::api_keys;
use identity::tokens::verify_access;
use web::Request;

use crate::rules::{KeyPart, Rule};

/// The key components of one request. Identity comes from *verified* credentials only: an
/// unverified token must not let anyone spend someone else's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Client address (IPv6: its /64), if the runtime reported it.
    pub ip: Option<String>,
    /// The client address exactly as reported (allow-lists may name it).
    pub address: Option<String>,
    /// The verified user: the `sub` of a valid access token (signature and time checked; not
    /// the session, which the handler checks) or the owner of a valid API key.
    pub user: Option<String>,
    /// The public prefix of a valid API key (secret, revocation and expiry checked).
    pub api_key: Option<String>,
    /// The route template.
    pub route: String,
}

/// Who presented a credential, as far as rate limiting can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialOwner {
    /// See [`Caller::user`].
    pub user: Option<String>,
    /// See [`Caller::api_key`].
    pub api_key: Option<String>,
}

/// Turns the credential a request carries (a bearer token or an API key) into rate-limit
/// identities. Each deployment unit picks one: [`VerifiedCredentials`] where callers
/// authenticate, [`IgnoredCredentials`] where nobody does (so that unit carries no token code).
#[async_trait(?Send)]
pub trait CredentialResolver {
    /// The owner of `credential`, presented with `request`.
    async fn resolve(&self, request: &Request, credential: &str) -> CredentialOwner;
}

/// Resolves the `sub` of a valid access token, and the prefix and owner of a valid API key
/// (one SQL read).
pub struct VerifiedCredentials;

#[async_trait(?Send)]
impl CredentialResolver for VerifiedCredentials {
    async fn resolve(&self, request: &Request, credential: &str) -> CredentialOwner {
        if api_keys::looks_like_key(credential) {
            // Only a key whose secret checks out: a public prefix alone spends nobody's quota.
            // Its owner is the user, so that new keys do not buy new per-user budgets.
            return match identity::verified_api_key(request, credential).await {
                Some(key) => CredentialOwner { user: Some(key.user_id), api_key: Some(key.prefix) },
                None => CredentialOwner::default(),
            };
        }
        let platform = request.platform();
        let Ok(settings) = TokenSettings::load(&*platform.config).await else {
            return CredentialOwner::default();
        };
        // The same per-instance memory of checked signatures as the handler's, so a request
        // checked here is not checked again there.
        let user = verify_access(&settings, credential, platform.clock.now_seconds()).ok().map(|c| c.registered.sub);
        CredentialOwner { user, api_key: None }
    }
}

/// Resolves no credential: for functions that authenticate nobody (probes, documentation).
/// Rules keyed only by user or API key do not apply to their routes; IP and route keys do.
pub struct IgnoredCredentials;

#[async_trait(?Send)]
impl CredentialResolver for IgnoredCredentials {
    async fn resolve(&self, _: &Request, _: &str) -> CredentialOwner {
        CredentialOwner::default()
    }
}

impl Caller {
    /// Reads the components from `request`, resolving its credential with `credentials`.
    pub async fn of(request: &Request, credentials: &dyn CredentialResolver) -> Self {
        let credential = request
            .header(http::header::AUTHORIZATION)
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .or_else(|| request.header("x-api-key").map(str::trim));
        let owner = match credential {
            Some(credential) => credentials.resolve(request, credential).await,
            None => CredentialOwner::default(),
        };
        Self {
            ip: request.client_network(),
            address: request.client_ip().map(str::to_owned),
            user: owner.user,
            api_key: owner.api_key,
            route: request.route().to_owned(),
        }
    }

    fn part(&self, part: KeyPart) -> Option<&str> {
        match part {
            KeyPart::Ip => self.ip.as_deref(),
            KeyPart::User => self.user.as_deref(),
            KeyPart::ApiKey => self.api_key.as_deref(),
            KeyPart::Route => Some(&self.route),
        }
    }

    /// The counter key for `rule`, or `None` when the rule does not apply to this caller (none
    /// of its identity components is known, or the caller is allow-listed).
    pub fn key(&self, rule: &Rule) -> Option<String> {
        let identified = rule.key.iter().any(|p| *p != KeyPart::Route && self.part(*p).is_some());
        if !identified {
            return None;
        }
        let exempt = rule.key.iter().any(|part| {
            let name = match part {
                KeyPart::Ip => "ip",
                KeyPart::User => "user",
                KeyPart::ApiKey => "api_key",
                KeyPart::Route => "route",
            };
            let allowed = |value: &str| rule.allow.iter().any(|a| a == &format!("{name}:{value}"));
            // An address may be allow-listed as itself or (IPv6) as its /64.
            let address = (*part == KeyPart::Ip).then_some(self.address.as_deref()).flatten();
            self.part(*part).is_some_and(allowed) || address.is_some_and(allowed)
        });
        if exempt {
            return None;
        }
        let mut key = format!("rl:{}", rule.name);
        for part in &rule.key {
            key.push('|');
            key.push_str(self.part(*part).unwrap_or("-"));
        }
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse;

    fn rule(key: &str, allow: &str) -> Rule {
        parse(&format!(
            r#"[{{"name": "r", "key": {key}, "algorithm": "token_bucket", "limit": 1, "window_seconds": 1, "store": "exact", "on_store_failure": "open", "allow": {allow}}}]"#
        ))
        .unwrap()
        .remove(0)
    }

    #[test]
    fn keys_combine_components_and_skip_unknown_or_exempt_callers() {
        let caller = Caller {
            ip: Some("203.0.113.9".into()),
            address: Some("203.0.113.9".into()),
            user: Some("u1".into()),
            api_key: None,
            route: "/v1/orders".into(),
        };
        assert_eq!(caller.key(&rule(r#"["ip", "route"]"#, "[]")).as_deref(), Some("rl:r|203.0.113.9|/v1/orders"));
        assert_eq!(caller.key(&rule(r#"["user", "api_key"]"#, "[]")).as_deref(), Some("rl:r|u1|-"));
        assert_eq!(caller.key(&rule(r#"["api_key"]"#, "[]")), None, "no API key: the rule does not apply");
        assert_eq!(caller.key(&rule(r#"["ip"]"#, r#"["ip:203.0.113.9"]"#)), None, "allow-listed");
        let v6 = Caller {
            ip: Some("2001:db8::/64".into()),
            address: Some("2001:db8::5".into()),
            user: None,
            api_key: None,
            route: "/v1/orders".into(),
        };
        assert_eq!(v6.key(&rule(r#"["ip"]"#, "[]")).as_deref(), Some("rl:r|2001:db8::/64"), "keyed by the /64");
        assert_eq!(v6.key(&rule(r#"["ip"]"#, r#"["ip:2001:db8::5"]"#)), None, "allow-listed by address");
        assert_eq!(v6.key(&rule(r#"["ip"]"#, r#"["ip:2001:db8::/64"]"#)), None, "allow-listed by network");
    }
}
