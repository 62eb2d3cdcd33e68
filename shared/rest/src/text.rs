//! Free-text fields the resources share.

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A display name (a customer's, a product's): trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn display_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    (1..=MAX_NAME_CHARS).contains(&name.chars().count()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_counted_in_characters() {
        assert_eq!(display_name("  Ada Lovelace \n").as_deref(), Some("Ada Lovelace"));
        assert_eq!(display_name("   "), None);
        assert_eq!(display_name(&"é".repeat(200)).map(|n| n.chars().count()), Some(200));
        assert_eq!(display_name(&"é".repeat(201)), None);
    }
}
