//! Who is calling, as rate-limit key components.

use identity::TokenSettings;
use identity::api_keys;
use identity::tokens::{ACCESS_TOKEN_TYPE, AccessClaims, verify};
use web::Request;

use crate::rules::{KeyPart, Rule};

/// The key components of one request. Identity comes from *verified* credentials only: an
/// unverified token must not let anyone spend someone else's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Client IP, if the runtime reported it.
    pub ip: Option<String>,
    /// The `sub` of a valid access token (signature and time checked; not the session, which
    /// the handler checks).
    pub user: Option<String>,
    /// The public prefix of a well-formed API key (its secret is checked by the handler).
    pub api_key: Option<String>,
    /// The route template.
    pub route: String,
}

impl Caller {
    /// Reads the components from `request`.
    pub async fn of(request: &Request) -> Self {
        let credential = request
            .header(http::header::AUTHORIZATION)
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .or_else(|| request.header("x-api-key").map(str::trim));
        let mut caller = Self {
            ip: request.client_ip().map(str::to_owned),
            user: None,
            api_key: None,
            route: request.route().to_owned(),
        };
        match credential {
            Some(key) if api_keys::looks_like_key(key) => {
                caller.api_key = api_keys::parse(key).map(|(prefix, _)| prefix.to_owned())
            }
            Some(token) => {
                let platform = request.platform();
                if let Ok(settings) = TokenSettings::load(&*platform.config).await {
                    caller.user = verify::<AccessClaims>(
                        &settings,
                        ACCESS_TOKEN_TYPE,
                        &settings.audience,
                        token,
                        platform.clock.now_seconds(),
                    )
                    .ok()
                    .map(|claims| claims.registered.sub);
                }
            }
            None => {}
        }
        caller
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
            self.part(*part).is_some_and(|value| rule.allow.iter().any(|a| a == &format!("{name}:{value}")))
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
            user: Some("u1".into()),
            api_key: None,
            route: "/v1/orders".into(),
        };
        assert_eq!(caller.key(&rule(r#"["ip", "route"]"#, "[]")).as_deref(), Some("rl:r|203.0.113.9|/v1/orders"));
        assert_eq!(caller.key(&rule(r#"["user", "api_key"]"#, "[]")).as_deref(), Some("rl:r|u1|-"));
        assert_eq!(caller.key(&rule(r#"["api_key"]"#, "[]")), None, "no API key: the rule does not apply");
        assert_eq!(caller.key(&rule(r#"["route"]"#, "[]")), None, "route alone identifies no caller");
        assert_eq!(caller.key(&rule(r#"["ip"]"#, r#"["ip:203.0.113.9"]"#)), None, "allow-listed");
    }
}
