//! The client's address as Spin's HTTP trigger reports it.
//!
//! Spin adds `spin-client-addr` (`ip:port`) after the headers the client sent, and keeps a
//! client's own `spin-client-addr` in front of it. Only the last value is Spin's; anything
//! else is a forgery that would let a client choose its own rate-limit and throttle keys.

use std::net::{IpAddr, SocketAddr};

/// The header Spin's HTTP trigger sets to the peer's `ip:port`.
const HEADER: &str = "spin-client-addr";

/// The peer IP from the last `spin-client-addr` value, without the port; `None` when that
/// value is not an address.
pub fn client_ip(headers: &http::HeaderMap) -> Option<web::ClientIp> {
    let address = headers.get_all(HEADER).iter().next_back()?.to_str().ok()?;
    let ip = match address.parse::<SocketAddr>() {
        Ok(socket) => socket.ip(),
        Err(_) => address.parse::<IpAddr>().ok()?,
    };
    Some(web::ClientIp(ip.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};

    fn ip_of(values: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(HEADER, HeaderValue::from_str(value).unwrap());
        }
        client_ip(&headers).map(|ip| ip.0)
    }

    #[test]
    fn takes_the_address_spin_appends_after_the_clients_headers() {
        assert_eq!(ip_of(&["203.0.113.9:1", "198.51.100.7:51234"]).as_deref(), Some("198.51.100.7"));
        assert_eq!(ip_of(&["[2001:db8::1]:443"]).as_deref(), Some("2001:db8::1"));
        assert_eq!(ip_of(&["192.0.2.4"]).as_deref(), Some("192.0.2.4"));
    }

    #[test]
    fn a_value_that_is_no_address_gives_none() {
        assert_eq!(ip_of(&[]), None);
        assert_eq!(ip_of(&["198.51.100.7:1", "not-an-address"]), None);
        assert_eq!(ip_of(&[&"9".repeat(600)]), None);
    }
}
