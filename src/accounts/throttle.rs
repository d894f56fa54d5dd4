//! Sign-in throttling. Each attempt is first reserved in the store, in one
//! statement that writes only while the counts are under their limits, so
//! a burst of concurrent guesses gets no more tries than a slow one. The
//! limits count per account *and* client address, so guessing from one
//! place locks that place out for that account without locking the analyst
//! out from their own desk; per address (spraying many accounts); and per
//! account from anywhere, a ceiling on guessing spread over many addresses.
//!
//! The client address is the peer's, or, when the peer is a trusted proxy
//! (`HWB_TRUSTED_PROXY`), the last address in `X-Forwarded-For` that is not
//! one of the trusted proxies.

use crate::store::AttemptLimits;
use axum::http::HeaderMap;
use std::net::IpAddr;

pub const LIMITS: AttemptLimits = AttemptLimits {
    per_account_and_address: 5,
    per_address: 20,
    per_account: 100,
};
pub const WINDOW_MINUTES: i64 = 15;

/// The address a request comes from, as seen through trusted proxies.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "unknown".to_owned();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(&peer)
        .to_string()
}

/// The start of the current window, as the store writes times.
pub fn window_start() -> String {
    crate::store::rfc3339(chrono::Utc::now() - chrono::Duration::minutes(WINDOW_MINUTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        // From an untrusted peer the header is anyone's to write.
        assert_eq!(client_address(Some(proxy), &h, &[]), "10.0.0.1");
        // Through the proxy, the address it saw (the last one) counts, not
        // what the client claimed before it.
        assert_eq!(client_address(Some(proxy), &h, &[proxy]), "203.0.113.9");
        let none = HeaderMap::new();
        assert_eq!(client_address(Some(proxy), &none, &[proxy]), "10.0.0.1");
        assert_eq!(client_address(None, &none, &[proxy]), "unknown");
    }
}
