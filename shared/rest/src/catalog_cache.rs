//! Cache keys and policies of the public catalogue, and their invalidation.
//!
//! Product reads are cached by id (the stored product, rendered per version on the way out);
//! list pages are cached by version and query under a *generation* number that every catalogue
//! write bumps, so all cached pages become unreachable at once. Writers (products, and orders,
//! which move stock) call [`products_changed`].

use std::time::Duration;

use cache::Policy;
use ports::Platform;

/// Products: fresh 30 s, then served stale for 60 s while refreshed.
pub const PRODUCT_POLICY: Policy = Policy { fresh: Duration::from_secs(30), stale: Duration::from_secs(60) };
/// List pages: fresh 15 s, stale 60 s.
pub const LIST_POLICY: Policy = Policy { fresh: Duration::from_secs(15), stale: Duration::from_secs(60) };

const GENERATION_KEY: &str = "catalog:generation";

/// The cache key of one product.
pub fn product_key(id: &str) -> String {
    format!("product:{id}")
}

/// The current list generation (0 when never bumped or KV is unreachable: lists then simply
/// miss more often).
pub async fn generation(platform: &Platform) -> String {
    match platform.kv.get(GENERATION_KEY).await {
        Ok(Some(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => "0".to_owned(),
    }
}

/// The cache key of a list page: the query goes in as its SHA-256, so keys stay short (KV
/// refuses keys over 512 bytes) and logs never carry a client's query string.
pub fn list_key(generation: &str, version: &str, query: &str) -> String {
    format!("products:list:{generation}:{version}:{}", identity::crypto::sha256_hex(query.as_bytes()))
}

/// Invalidates `ids` and every cached list page (call after the change committed).
pub async fn products_changed(platform: &Platform, ids: &[&str]) {
    let keys: Vec<String> = ids.iter().map(|id| product_key(id)).collect();
    let next = format!(
        "{}-{}",
        platform.clock.now_millis(),
        ports::random::random_hex::<4>(&*platform.random).unwrap_or_default()
    );
    // The products' entries and the list generation are independent: wait for both at once.
    // A failed generation write only delays list freshness until the pages expire.
    let new_generation = platform.kv.put(GENERATION_KEY, next.as_bytes(), None);
    let (_, _) = futures_util::future::join(cache::invalidate(platform, &keys), new_generation).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keys_are_short_whatever_the_query() {
        let long = "q=".to_owned() + &"x".repeat(4000);
        let key = list_key("1732-ab", "v2", &long);
        assert!(key.len() < 120 && !key.contains("xxx"), "{key}");
        assert_ne!(key, list_key("1732-ab", "v2", "q=y"));
        assert_ne!(key, list_key("1732-ab", "v1", &long));
    }
}
