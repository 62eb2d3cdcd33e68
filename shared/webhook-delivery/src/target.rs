//! Where a webhook may point: the SSRF guard, applied when an endpoint is registered and again
//! before every delivery.
//!
//! Only `https` URLs to a public host name or address; no credentials in the URL; never a
//! loopback, private, link-local, shared-address, multicast or otherwise special address, and
//! never `localhost`, never a name ending in a number (another spelling of an address). The
//! edge cannot see what a name resolves to: on Workers `fetch` reaches only the internet, but
//! on Spin (`allowed_outbound_hosts` grants `https://*:*` so any endpoint works) a public name
//! that resolves to a private address is not caught here; deployments that need that put an
//! egress proxy or a narrower grant in front. `WEBHOOK_ALLOWED_HOSTS` lists `host:port` pairs
//! allowed anyway, over `http` too: for local development and tests only.

use std::net::{Ipv4Addr, Ipv6Addr};

use http::Uri;

/// Why a URL is refused (shown to the client).
pub type Refusal = &'static str;

/// `url` if a webhook may be delivered to it; `allowed` is the `WEBHOOK_ALLOWED_HOSTS` list.
pub fn check(url: &str, allowed: &[String]) -> Result<Uri, Refusal> {
    if url.len() > 2048 {
        return Err("The URL is longer than 2048 characters.");
    }
    let uri: Uri = url.parse().map_err(|_| "The URL is not a valid absolute URL.")?;
    let authority = uri.authority().ok_or("The URL has no host.")?;
    if authority.as_str().contains('@') {
        return Err("The URL must not carry credentials.");
    }
    // `localhost.` is `localhost`: a trailing dot only makes a name absolute.
    let host =
        authority.host().trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
    let port = authority.port_u16().unwrap_or(if uri.scheme_str() == Some("http") { 80 } else { 443 });
    if allowed.iter().any(|entry| entry.eq_ignore_ascii_case(&format!("{host}:{port}"))) {
        return match uri.scheme_str() {
            Some("https" | "http") => Ok(uri),
            _ => Err("The URL must use https."),
        };
    }
    if uri.scheme_str() != Some("https") {
        return Err("The URL must use https.");
    }
    if host.is_empty() || host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") {
        return Err("The URL must name a public host.");
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return if is_public_v4(v4) { Ok(uri) } else { Err("The URL must not point at a private or special address.") };
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return if is_public_v6(v6) { Ok(uri) } else { Err("The URL must not point at a private or special address.") };
    }
    let last_label = host.rsplit('.').next().unwrap_or_default();
    if !host.contains('.') || last_label.bytes().all(|b| b.is_ascii_digit()) || last_label.starts_with("0x") {
        // A dotless name resolves locally; a name ending in a number is an address in another
        // notation (`0x7f.1`, `127.1`, `2130706433`), which resolvers read as IPv4. No
        // top-level domain is numeric.
        return Err("The URL must name a public host.");
    }
    Ok(uri)
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    // IPv4-compatible (`::a.b.c.d`, deprecated) and 6to4 (`2002::/16`) addresses carry an
    // IPv4 address a relay may reach: refused outright.
    if ip.segments()[..6].iter().all(|s| *s == 0) || first == 0x2002 {
        return false;
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 (reaches IPv4 space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_https_urls_pass() {
        for url in ["https://hooks.example.com/orders", "https://93.184.216.34:8443/x", "https://[2606:4700::1]/"] {
            assert!(check(url, &[]).is_ok(), "{url}");
        }
    }

    #[test]
    fn private_loopback_and_special_targets_are_refused() {
        for url in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://localhost/",
            "https://api.localhost/",
            "https://printer.local/",
            "https://intranet/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://2130706433/",
            "https://localhost./",
            "https://api.localhost./",
            "https://0x7f.1/",
            "https://127.1/",
            "https://hooks.example.0x1/",
            "https://192.0.0.8/",
            "https://[::127.0.0.1]/",
            "https://[2002:7f00:1::1]/",
            "https://user:pass@hooks.example.com/",
            "/relative",
        ] {
            assert!(check(url, &[]).is_err(), "{url}");
        }
    }

    #[test]
    fn the_allow_list_admits_exact_host_and_port_only() {
        let allowed = vec!["127.0.0.1:9000".to_owned()];
        assert!(check("http://127.0.0.1:9000/hook", &allowed).is_ok());
        assert!(check("http://127.0.0.1:9001/hook", &allowed).is_err());
        assert!(check("http://localhost:9000/hook", &allowed).is_err());
    }
}
